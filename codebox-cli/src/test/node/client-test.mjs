#!/usr/bin/env node
// End-to-end test of codebox's MCP server (Streamable HTTP) with the official TypeScript SDK as
// the client: the tools, a stateful Jupyter session, plots as image content, files in and out,
// path escapes refused, cancellation that interrupts the kernel, and bearer-token auth; plus what the
// conformance scenarios server-initialize, ping, logging-set-level and tools-list check.
// The steps shared with stdio-test.mjs are in steps.mjs.
//
// Usage (the server already running, e.g. `./codebox mcp --http --port 0 -e jupyter --token-file F`):
//   MCP_URL=http://127.0.0.1:PORT/mcp MCP_TOKEN=secret node client-test.mjs
// Optional: MCP_EXECUTOR (create_session's executor, default jupyter),
//           MCP_CANCEL_RECOVERY_MS (how soon a block must run after a cancel, default 15000),
//           MCP_REQUIRE_PROGRESS=0 (do not require a progress notification before the cancel),
//           MCP_TEST_TIMEOUT_MS (the whole run, default 300000).
// Prints one line per passed step; on the first failure prints why and exits 1.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  t, sleep, step, finish, startWatchdog, connectHttp, protocolSteps, toolsListStep, sessionSteps,
} from './steps.mjs';

const URL_ = process.env.MCP_URL;
const TOKEN = process.env.MCP_TOKEN;

if (!URL_ || !TOKEN) {
  console.error('client-test: set MCP_URL (e.g. http://127.0.0.1:PORT/mcp) and MCP_TOKEN (a token the server accepts)');
  process.exit(2);
}

startWatchdog();

async function rawInitialize(headers) {
  const response = await fetch(URL_, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'codebox-client-test-raw', version: '0' } },
    }),
    signal: AbortSignal.timeout(10000),
  });
  const body = await response.text();
  return { status: response.status, body };
}

function assertUnauthorized(res, what) {
  assert.equal(res.status, 401, `initialize ${what} should get HTTP 401, got ${res.status}: ${res.body.slice(0, 200)}`);
  let json;
  try { json = JSON.parse(res.body); } catch { json = undefined; }
  assert.equal(json?.error, 'unauthorized', `the 401 ${what} should have the JSON body {"error":"unauthorized"}, got ${res.body.slice(0, 200)}`);
}

// ---------------------------------------------------------------------------------------------

await step(`connect to ${URL_} with a bearer token`, async () => {
  t.cleanup = () => Promise.race([t.transport.terminateSession().catch(() => {}), sleep(2000)]);
  const transport = await connectHttp(URL_, TOKEN);
  const info = t.client.getServerVersion();
  const caps = t.client.getServerCapabilities();
  assert.ok(caps?.tools, `the server does not declare the tools capability: ${JSON.stringify(caps)}`);
  return `server ${info?.name} ${info?.version}, protocol ${transport.protocolVersion}`;
});

await protocolSteps();
await toolsListStep();
await sessionSteps();

await step('h. a wrong bearer token and no Authorization header both get HTTP 401', async () => {
  let wrong;
  do { wrong = randomBytes(16).toString('hex'); } while (wrong === TOKEN);
  assertUnauthorized(await rawInitialize({ Authorization: `Bearer ${wrong}` }), 'with a wrong bearer token');
  assertUnauthorized(await rawInitialize({}), 'without an Authorization header');
});

await t.transport.terminateSession().catch((e) => t.clientErrors.push(`DELETE session: ${e.message}`));
await t.client.close().catch(() => {});
finish();
process.exit(0);
