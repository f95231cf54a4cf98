#!/usr/bin/env node
// Test of codebox's MCP resource codebox://functions (served with `codebox mcp --functions FILE.py`),
// with the official TypeScript SDK as the client, over Streamable HTTP or stdio.
//
// Usage, HTTP (the server already running; MCP_TOKEN may be left out for a --no-auth server):
//   MCP_URL=http://127.0.0.1:PORT/mcp [MCP_TOKEN=secret] MCP_FUNCTIONS_EXPECTED=fname node resources-test.mjs
// Usage, stdio (the server is spawned with this process's env):
//   MCP_COMMAND='["/work/main/codebox","mcp","-e","local","--functions","F.py"]' MCP_FUNCTIONS_EXPECTED=fname node resources-test.mjs
// With MCP_FUNCTIONS_EXPECTED (a function of FILE.py): the resources capability is declared,
// resources/list has codebox://functions (mimeType text/markdown; every resource has a uri and a
// name, as the conformance scenario resources-list checks), resources/read returns it as
// text/markdown text that holds the function's name, and reading an unknown URI is a JSON-RPC error.
// Without it (a server started without --functions): resources/list, if the server answers it at
// all, has no codebox://functions.
// Optional: MCP_TEST_TIMEOUT_MS (the whole run, default 300000).
// Prints one line per passed step; on the first failure prints why and exits 1 (2 on bad usage).
import assert from 'node:assert/strict';
import { t, sleep, step, finish, startWatchdog, connectHttp, connectStdio, rawResponse } from './steps.mjs';

const URL_ = process.env.MCP_URL;
const TOKEN = process.env.MCP_TOKEN;
const EXPECTED = process.env.MCP_FUNCTIONS_EXPECTED;
const RESOURCE = 'codebox://functions';

let COMMAND;
if (process.env.MCP_COMMAND) {
  try { COMMAND = JSON.parse(process.env.MCP_COMMAND); } catch { COMMAND = null; }
  if (!Array.isArray(COMMAND) || COMMAND.length === 0 || !COMMAND.every((a) => typeof a === 'string')) {
    console.error('resources-test: MCP_COMMAND must be a JSON array of strings');
    process.exit(2);
  }
}
if (!URL_ === !COMMAND) {
  console.error('resources-test: set either MCP_URL (e.g. http://127.0.0.1:PORT/mcp, with MCP_TOKEN unless the server '
    + 'runs --no-auth) or MCP_COMMAND (the stdio server command as a JSON array)');
  process.exit(2);
}

startWatchdog();

async function listAll() {
  const resources = [];
  let cursor;
  do {
    const page = await t.client.listResources(cursor ? { cursor } : undefined, { timeout: 30000 });
    assert.ok(Array.isArray(page.resources), `resources/list answered no resources array: ${JSON.stringify(page)}`);
    resources.push(...page.resources);
    cursor = page.nextCursor;
  } while (cursor);
  return resources;
}

if (COMMAND) {
  t.cleanup = () => t.transport?.close();
  await step(`spawn ${JSON.stringify(COMMAND)} and initialize over stdio`, async () => {
    const transport = await connectStdio(COMMAND, {}, 'codebox-resources-test');
    return `pid ${transport.pid}`;
  });
} else {
  t.cleanup = () => Promise.race([t.transport.terminateSession().catch(() => {}), sleep(2000)]);
  await step(`connect to ${URL_}${TOKEN ? ' with a bearer token' : ' without a token'}`, async () => {
    const transport = await connectHttp(URL_, TOKEN, 'codebox-resources-test');
    return `protocol ${transport.protocolVersion}`;
  });
}

if (EXPECTED) {
  await step('initialize declares the resources capability', async () => {
    const caps = t.client.getServerCapabilities();
    assert.ok(caps?.resources, `no resources capability: ${JSON.stringify(caps)}`);
    return `resources ${JSON.stringify(caps.resources)}`;
  });

  await step(`resources/list has ${RESOURCE} (text/markdown); every resource has a uri and a name`, async () => {
    const resources = await listAll();
    resources.forEach((r, i) => {
      assert.ok(r.uri, `resource ${i} has no uri: ${JSON.stringify(r)}`);
      assert.ok(r.name, `resource ${i} has no name: ${JSON.stringify(r)}`);
    });
    const functions = resources.find((r) => r.uri === RESOURCE);
    assert.ok(functions, `resources/list has no ${RESOURCE}: ${JSON.stringify(resources)}`);
    assert.equal(functions.mimeType, 'text/markdown', `${RESOURCE}'s mimeType is ${functions.mimeType}`);
    return `${resources.length} resource(s): ${JSON.stringify(functions)}`;
  });

  await step(`resources/read ${RESOURCE} returns text/markdown text naming ${EXPECTED}`, async () => {
    const result = await t.client.readResource({ uri: RESOURCE }, { timeout: 30000 });
    assert.ok(Array.isArray(result.contents) && result.contents.length > 0, `resources/read answered ${JSON.stringify(result)}`);
    const item = result.contents.find((c) => c.uri === RESOURCE);
    assert.ok(item, `no contents item has uri ${RESOURCE}: ${JSON.stringify(result.contents.map((c) => c.uri))}`);
    assert.equal(item.mimeType, 'text/markdown', `the contents item's mimeType is ${item.mimeType}`);
    assert.equal(typeof item.text, 'string', `the contents item has no text (blob? ${typeof item.blob})`);
    assert.ok(item.text.includes(EXPECTED), `the text does not name ${EXPECTED}: ${JSON.stringify(item.text.slice(0, 300))}`);
    return `${item.text.length} chars`;
  });

  await step('resources/read of an unknown URI is a JSON-RPC error', async () => {
    let result;
    try {
      result = await t.client.readResource({ uri: 'codebox://no-such-resource' }, { timeout: 30000 });
    } catch (e) {
      const raw = rawResponse('resources/read');
      return `code ${raw?.error?.code ?? e.code}: ${raw?.error?.message ?? e.message}`;
    }
    assert.fail(`resources/read codebox://no-such-resource answered ${JSON.stringify(result).slice(0, 300)}`);
  });
} else {
  await step(`without --functions: resources/list has no ${RESOURCE}`, async () => {
    const caps = t.client.getServerCapabilities();
    let resources;
    try {
      resources = await listAll();
    } catch (e) {
      assert.ok(!caps?.resources, `the server declares resources but resources/list failed: ${e.message}`);
      return `no resources capability; resources/list: ${e.message}`;
    }
    assert.ok(!resources.some((r) => r.uri === RESOURCE), `resources/list has ${RESOURCE}: ${JSON.stringify(resources)}`);
    return `${resources.length} resource(s)`;
  });
}

if (COMMAND) {
  await t.client.close().catch(() => {});
} else {
  await t.transport.terminateSession().catch((e) => t.clientErrors.push(`DELETE session: ${e.message}`));
  await t.client.close().catch(() => {});
}
finish();
process.exit(0);
