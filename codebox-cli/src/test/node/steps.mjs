// Shared by client-test.mjs (Streamable HTTP), stdio-test.mjs (stdio) and resources-test.mjs: the
// step runner, the tool-call helpers, how to connect over either transport (with a tap that keeps the
// raw JSON-RPC traffic), the checks of the applicable conformance scenarios, and steps a-g.
//
// One test per process: the state lives in the exported object `t`. A failed step prints why, runs
// the cleanup (close the open session, then t.cleanup: end the MCP session or the server process)
// and exits 1.
//
// Env read here: MCP_EXECUTOR (create_session's executor, default jupyter),
// MCP_CANCEL_RECOVERY_MS (how soon a block must run after a cancel, default 15000),
// MCP_REQUIRE_PROGRESS=0 (do not require a progress notification before the cancel),
// MCP_TEST_TIMEOUT_MS (the whole run, default 300000).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const EXECUTOR = process.env.MCP_EXECUTOR || 'jupyter';
export const CANCEL_RECOVERY_MS = Number(process.env.MCP_CANCEL_RECOVERY_MS || 15000);
export const REQUIRE_PROGRESS = process.env.MCP_REQUIRE_PROGRESS !== '0';
export const TEST_TIMEOUT_MS = Number(process.env.MCP_TEST_TIMEOUT_MS || 300000);
export const CALL_TIMEOUT_MS = 120000;

export const TOOLS = ['execute_code', 'create_session', 'close_session', 'list_sessions',
  'upload_file', 'download_file', 'list_files', 'list_languages'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The state of the one test this process runs. */
export const t = {
  client: null,
  transport: null,
  sessionId: null,
  sessionClosed: false,
  passed: 0,
  /** Messages of the errors the SDK client reported (client.onerror). */
  clientErrors: [],
  /** The same errors as objects, to tell a bad line on stdout from the rest. */
  clientErrorObjects: [],
  /** What went over the wire: { dir: 'out'|'in', message } (JSON-RPC), in order. */
  wire: [],
  /** Run on failure after the session is closed: ends the MCP session or the server process. */
  cleanup: null,
  /** Returns extra text printed on failure (e.g. the server's stderr). */
  diagnostics: null,
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function fail(message) {
  console.error(`FAIL ${message}`);
  if (t.clientErrors.length > 0) {
    console.error(`  (SDK client errors seen: ${t.clientErrors.slice(-3).join(' | ')})`);
  }
  if (t.diagnostics) {
    const more = t.diagnostics();
    if (more) console.error(more);
  }
  console.log(`${t.passed} passed, 1 failed`);
  // Best effort: leave no kernel behind, then go.
  if (t.client && t.sessionId && !t.sessionClosed) {
    await Promise.race([
      t.client.callTool({ name: 'close_session', arguments: { session_id: t.sessionId } }).catch(() => {}),
      sleep(5000),
    ]);
  }
  if (t.cleanup) await Promise.race([Promise.resolve().then(t.cleanup).catch(() => {}), sleep(6000)]);
  process.exit(1);
}

/** Fails the test when the whole run takes longer than MCP_TEST_TIMEOUT_MS. */
export function startWatchdog() {
  const watchdog = setTimeout(() => fail(`the whole test took more than ${TEST_TIMEOUT_MS} ms`), TEST_TIMEOUT_MS);
  watchdog.unref();
}

export async function step(name, fn) {
  let detail;
  try {
    detail = await fn();
  } catch (e) {
    const message = e instanceof Error ? (e.stack && !(e instanceof assert.AssertionError) ? e.stack : e.message) : String(e);
    await fail(`${name}: ${message}`);
  }
  t.passed++;
  console.log(`ok ${t.passed} - ${name}${detail ? ` (${detail})` : ''}`);
}

/** Prints the tally (and, as comments, SDK client errors that did not fail a step). */
export function finish() {
  if (t.clientErrors.length > 0) {
    console.log(`# SDK client errors that failed no step (${t.clientErrors.length}): ${t.clientErrors.slice(-3).join(' | ')}`);
  }
  console.log(`${t.passed} passed, 0 failed`);
}

export function describe(result) {
  return JSON.stringify(result, (k, v) => (k === 'data' && typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}...` : v));
}

export function textOf(result) {
  return (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

export async function call(name, args, options = {}) {
  return t.client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS, ...options });
}

/** Calls a tool that must succeed; returns its structuredContent. */
export async function callOk(name, args, options) {
  const result = await call(name, args, options);
  assert.notEqual(result.isError, true, `${name} ${JSON.stringify(args)} returned isError: ${textOf(result)}`);
  const sc = result.structuredContent;
  assert.ok(sc && typeof sc === 'object', `${name} returned no structuredContent: ${describe(result)}`);
  assert.ok(textOf(result).length > 0 || name === 'execute_code', `${name} returned no text content: ${describe(result)}`);
  return { result, sc };
}

/** Runs code in the session; it must exit 0. Returns { result, sc }. */
export async function run(code, options) {
  const r = await callOk('execute_code', { code, language: 'python', session_id: t.sessionId }, options);
  assert.equal(r.sc.exit_code, 0, `execute_code ${JSON.stringify(code)} exited ${r.sc.exit_code}: ${r.sc.output}`);
  assert.equal(r.sc.timed_out, false, `execute_code ${JSON.stringify(code)} timed out`);
  assert.equal(r.sc.cancelled, false, `execute_code ${JSON.stringify(code)} says cancelled`);
  assert.equal(r.sc.session_id, t.sessionId, `execute_code answered for session ${r.sc.session_id}, not ${t.sessionId}`);
  return r;
}

export async function expectToolError(name, args, why) {
  let result;
  try {
    result = await call(name, args);
  } catch (e) {
    throw new Error(`${name} ${JSON.stringify(args)} (${why}) should be a tool result with isError: true, `
      + `got a protocol error: ${e.message}`);
  }
  assert.equal(result.isError, true, `${name} ${JSON.stringify(args)} (${why}) should fail with isError: true, got ${describe(result)}`);
  assert.ok(textOf(result).length > 0, `${name} ${JSON.stringify(args)}: the error result has no explaining text`);
}

// --- Connecting ---------------------------------------------------------------------------------

/** Keeps every JSON-RPC message in t.wire (the SDK's Protocol chains an onmessage set before connect). */
function tap(transport) {
  transport.onmessage = (message) => { t.wire.push({ dir: 'in', message }); };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    t.wire.push({ dir: 'out', message });
    return send(message, options);
  };
}

/** The raw JSON-RPC response to the last request of `method` sent so far (undefined if none came). */
export function rawResponse(method) {
  const requests = t.wire.filter((w) => w.dir === 'out' && w.message.method === method && w.message.id !== undefined);
  const last = requests.at(-1);
  if (!last) return undefined;
  return t.wire.find((w) => w.dir === 'in' && w.message.id === last.message.id
    && ('result' in w.message || 'error' in w.message))?.message;
}

function newClient(name) {
  const client = new Client({ name, version: '1.0.0' });
  client.onerror = (e) => {
    t.clientErrors.push(e?.message ?? String(e));
    t.clientErrorObjects.push(e);
  };
  return client;
}

/** Connects over Streamable HTTP (with `Authorization: Bearer token` when a token is given). */
export async function connectHttp(url, token, clientName = 'codebox-client-test') {
  t.client = newClient(clientName);
  t.transport = new StreamableHTTPClientTransport(new URL(url), token
    ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : undefined);
  tap(t.transport);
  await t.client.connect(t.transport, { timeout: 30000 });
  return t.transport;
}

/**
 * Spawns `command` (an array) with this process's env plus `extraEnv` and connects over stdio.
 * The server's stderr is kept (the last 200 lines, in t.stderrLines) and printed on failure; with
 * MCP_SERVER_STDERR=1 it is also copied to this process's stderr as it comes.
 */
export async function connectStdio(command, extraEnv = {}, clientName = 'codebox-stdio-test') {
  const stderrLines = [];
  t.stderrLines = stderrLines;
  t.client = newClient(clientName);
  t.transport = new StdioClientTransport({
    command: command[0],
    args: command.slice(1),
    env: { ...process.env, ...extraEnv },
    stderr: 'pipe',
  });
  // Read the pipe from the start: an unread stderr pipe would block the server once it fills.
  let partial = '';
  t.transport.stderr.on('data', (chunk) => {
    if (process.env.MCP_SERVER_STDERR === '1') process.stderr.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop();
    stderrLines.push(...lines);
    if (stderrLines.length > 200) stderrLines.splice(0, stderrLines.length - 200);
  });
  t.diagnostics = () => {
    const tail = [...stderrLines, partial].filter((l) => l.length > 0).slice(-40);
    return tail.length > 0 ? `  server stderr (last ${tail.length} lines):\n${tail.map((l) => `    ${l}`).join('\n')}` : '';
  };
  tap(t.transport);
  await t.client.connect(t.transport, { timeout: 60000 });
  return t.transport;
}

/** The protocol version the server answered initialize with (from the wire). */
export function negotiatedProtocolVersion() {
  return rawResponse('initialize')?.result?.protocolVersion;
}

// --- What the applicable conformance scenarios check (server-initialize, ping, logging-set-level;
// tools-list is in step a), so that stdio, which the conformance CLI cannot reach, is covered too. ---

export async function protocolSteps() {
  await step('initialize: serverInfo.name is "codebox"; tools and logging capabilities declared', async () => {
    const raw = rawResponse('initialize');
    assert.ok(raw?.result, `no initialize result on the wire: ${JSON.stringify(raw)}`);
    const info = t.client.getServerVersion();
    assert.equal(info?.name, 'codebox', `serverInfo is ${JSON.stringify(info)}`);
    assert.ok(typeof info.version === 'string' && info.version.length > 0, `serverInfo.version is ${JSON.stringify(info.version)}`);
    const caps = t.client.getServerCapabilities();
    assert.ok(caps?.tools, `the server does not declare the tools capability: ${JSON.stringify(caps)}`);
    assert.ok(caps?.logging, `the server does not declare the logging capability: ${JSON.stringify(caps)}`);
    return `codebox ${info.version}, protocol ${raw.result.protocolVersion}, capabilities ${Object.keys(caps).join(',')}`;
  });

  await step('ping returns {}', async () => {
    const result = await t.client.ping({ timeout: 30000 });
    assert.deepEqual(Object.keys(result ?? {}), [], `ping answered ${JSON.stringify(result)}`);
    const raw = rawResponse('ping');
    assert.deepEqual(raw?.result, {}, `ping's raw response is ${JSON.stringify(raw)}`);
  });

  await step('logging/setLevel {level: "info"} returns {}', async () => {
    const result = await t.client.setLoggingLevel('info', { timeout: 30000 });
    assert.deepEqual(Object.keys(result ?? {}), [], `logging/setLevel answered ${JSON.stringify(result)}`);
    const raw = rawResponse('logging/setLevel');
    assert.deepEqual(raw?.result, {}, `logging/setLevel's raw response is ${JSON.stringify(raw)}`);
  });
}

// --- Steps a-g ----------------------------------------------------------------------------------

export async function toolsListStep() {
  await step('a. tools/list has the eight tools; every tool has a name, a description and an object inputSchema', async () => {
    const tools = [];
    let cursor;
    do {
      const page = await t.client.listTools(cursor ? { cursor } : undefined);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of TOOLS) {
      const tool = byName.get(name);
      assert.ok(tool, `tool ${name} missing; tools/list has: ${[...byName.keys()].join(', ')}`);
    }
    // What the conformance scenario tools-list checks, for every tool the server lists.
    assert.equal(byName.size, tools.length, `tools/list has duplicate names: ${tools.map((tool) => tool.name).join(', ')}`);
    for (const tool of tools) {
      const name = tool.name;
      assert.ok(typeof name === 'string' && name.length > 0, `a tool has no name: ${JSON.stringify(tool).slice(0, 200)}`);
      assert.ok(typeof tool.description === 'string' && tool.description.trim().length > 0, `tool ${name} has no description`);
      assert.equal(tool.inputSchema?.type, 'object', `tool ${name}'s inputSchema is not of type object: ${JSON.stringify(tool.inputSchema)}`);
      if (tool.outputSchema !== undefined) {
        assert.equal(tool.outputSchema?.type, 'object', `tool ${name}'s outputSchema is not of type object: ${JSON.stringify(tool.outputSchema)}`);
      }
    }
    return `${tools.length} tools`;
  });
}

/** Steps b-g: a session, its state, a plot, files, path escapes, a cancel, and its close. */
export async function sessionSteps() {
  await step(`b. create_session {executor: "${EXECUTOR}"} keeps state across execute_code calls`, async () => {
    const { sc } = await callOk('create_session', { executor: EXECUTOR });
    assert.equal(typeof sc.session_id, 'string', `create_session returned no session_id: ${JSON.stringify(sc)}`);
    assert.ok(sc.session_id.length > 0, 'create_session returned an empty session_id');
    assert.equal(sc.executor, EXECUTOR, `create_session says executor ${sc.executor}`);
    assert.ok(Array.isArray(sc.languages), `create_session returned no languages array: ${JSON.stringify(sc)}`);
    t.sessionId = sc.session_id;
    t.sessionClosed = false;
    await run('x = 41');
    const { sc: out } = await run('print(x + 1)');
    assert.match(out.output, /42/, `print(x + 1) after x = 41 printed ${JSON.stringify(out.output)}, not 42`);
    return `session ${t.sessionId}`;
  });

  await step('c. a matplotlib plot comes back as image content (image/png)', async () => {
    const { result } = await run('import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()');
    const content = result.content || [];
    assert.equal(content[0]?.type, 'text', `the first content item should be the text, got ${describe(content[0])}`);
    const image = content.find((c) => c.type === 'image');
    assert.ok(image, `no image content item; content types: ${content.map((c) => c.type).join(', ')}`);
    assert.equal(image.mimeType, 'image/png', `the image's mimeType is ${image.mimeType}`);
    assert.ok(typeof image.data === 'string' && image.data.length > 0, 'the image has no data');
    const bytes = Buffer.from(image.data, 'base64');
    assert.ok(bytes.length > PNG_SIGNATURE.length && bytes.subarray(0, 8).equals(PNG_SIGNATURE),
      `the image data does not decode to a PNG (first bytes ${bytes.subarray(0, 8).toString('hex')})`);
    return `${bytes.length} bytes of PNG`;
  });

  await step('d. upload_file, read it from code, write a binary file, download_file and list_files', async () => {
    const sessionId = t.sessionId;
    const { sc: up } = await callOk('upload_file', { session_id: sessionId, path: 'data.txt', text: 'hello from ts' });
    assert.equal(up.path, 'data.txt', `upload_file answered path ${up.path}`);
    assert.equal(up.bytes, 13, `upload_file answered ${up.bytes} bytes, not 13`);
    const { sc: read } = await run('print(open("data.txt").read())');
    assert.match(read.output, /hello from ts/, `the code read ${JSON.stringify(read.output)} from data.txt`);

    await run('with open("out.bin", "wb") as f:\n    f.write(bytes(range(256)))');
    const { sc: down } = await callOk('download_file', { session_id: sessionId, path: 'out.bin' });
    assert.equal(down.bytes, 256, `download_file out.bin answered ${down.bytes} bytes, not 256`);
    assert.equal(typeof down.content_base64, 'string', `download_file out.bin has no content_base64: ${JSON.stringify(down)}`);
    const bytes = Buffer.from(down.content_base64, 'base64');
    assert.ok(bytes.equals(Buffer.from([...Array(256).keys()])), `out.bin came back as ${bytes.length} bytes that are not 0..255`);

    const { sc: downText } = await callOk('download_file', { session_id: sessionId, path: 'data.txt' });
    assert.equal(downText.text, 'hello from ts', `download_file data.txt answered text ${JSON.stringify(downText.text)}`);

    const { sc: listing } = await callOk('list_files', { session_id: sessionId });
    assert.ok(Array.isArray(listing.files), `list_files returned no files array: ${JSON.stringify(listing)}`);
    const norm = (p) => String(p).replace(/^\.\//, '');
    const entry = (p) => listing.files.find((f) => norm(f.path) === p);
    for (const [p, n] of [['data.txt', 13], ['out.bin', 256]]) {
      const f = entry(p);
      assert.ok(f, `list_files does not show ${p}: ${JSON.stringify(listing.files)}`);
      assert.equal(f.type, 'file', `list_files says ${p} is a ${f.type}`);
      assert.equal(f.bytes, n, `list_files says ${p} has ${f.bytes} bytes, not ${n}`);
    }
    return `${listing.files.length} entries listed`;
  });

  await step('e. paths outside the work dir are refused with isError', async () => {
    const sessionId = t.sessionId;
    await expectToolError('upload_file', { session_id: sessionId, path: '../evil.txt', text: 'x' }, 'a .. path');
    await expectToolError('upload_file', { session_id: sessionId, path: '/etc/passwd', text: 'x' }, 'an absolute path');
    await expectToolError('download_file', { session_id: sessionId, path: '/etc/passwd' }, 'an absolute path');
    await expectToolError('download_file', { session_id: sessionId, path: '../../../../../../etc/passwd' }, 'a .. path');
  });

  await step('f. aborting execute_code cancels the block and interrupts the kernel', async () => {
    const sessionId = t.sessionId;
    const controller = new AbortController();
    const progress = [];
    let onFirstProgress;
    const firstProgress = new Promise((resolve) => { onFirstProgress = resolve; });
    const code = 'import time\nfor i in range(600):\n    print(i, flush=True)\n    time.sleep(0.1)';
    const outcome = call('execute_code', { code, session_id: sessionId }, {
      signal: controller.signal,
      onprogress: (p) => { progress.push(p); onFirstProgress(); },
    }).then((result) => ({ settled: 'resolved', result }), (error) => ({ settled: 'rejected', error }));

    const early = await Promise.race([outcome, firstProgress.then(() => null), sleep(1500).then(() => null)]);
    if (early) {
      throw new Error(`the 60 s loop ended before it could be cancelled: ${early.settled} `
        + `${early.result ? describe(early.result) : early.error?.message}`);
    }
    const progressBeforeAbort = progress.length;
    const abortedAt = Date.now();
    controller.abort();
    const settled = await Promise.race([outcome, sleep(3000).then(() => ({ settled: 'pending' }))]);
    assert.equal(settled.settled, 'rejected', `after the abort the call should reject within 3 s; it is ${settled.settled}`
      + `${settled.result ? `: ${describe(settled.result)}` : ''}`);
    const rejectMs = Date.now() - abortedAt;

    if (REQUIRE_PROGRESS) {
      assert.ok(progressBeforeAbort > 0, 'no notifications/progress arrived within 1.5 s although the request carried a progressToken');
      const streamed = progress.map((p) => p.message ?? '').join('');
      assert.ok(streamed.trimStart().startsWith('0'),
        `the progress messages should carry the output ("0\\n1\\n..."), got ${JSON.stringify(streamed.slice(0, 100))}`);
    }

    // The kernel must be free again soon: the next block runs (a busy answer is retried until the deadline).
    const deadline = Date.now() + CANCEL_RECOVERY_MS;
    let after;
    for (;;) {
      const remaining = deadline - Date.now();
      assert.ok(remaining > 0, `print("after") did not succeed within ${CANCEL_RECOVERY_MS} ms of the cancel`
        + `${after ? `; last answer: ${describe(after)}` : ''}`);
      try {
        after = await call('execute_code', { code: 'print("after")', session_id: sessionId }, { timeout: remaining });
      } catch (e) {
        throw new Error(`print("after") following the cancel did not come back within ${CANCEL_RECOVERY_MS} ms `
          + `(the kernel seems still busy with the loop): ${e.message}`);
      }
      if (after.isError && /busy/i.test(textOf(after))) { await sleep(250); continue; }
      break;
    }
    assert.notEqual(after.isError, true, `print("after") following the cancel failed: ${textOf(after)}`);
    const sc = after.structuredContent;
    assert.equal(sc?.exit_code, 0, `print("after") exited ${sc?.exit_code}: ${sc?.output}`);
    assert.match(sc.output, /after/, `print("after") printed ${JSON.stringify(sc.output)}`);
    assert.doesNotMatch(sc.output, /^\d+$/m, `the cancelled loop's output leaked into the next block: ${JSON.stringify(sc.output.slice(0, 200))}`);
    return `${progressBeforeAbort} progress notification(s) before the abort, rejected after ${rejectMs} ms, `
      + `next block ran ${Date.now() - abortedAt} ms after the abort`;
  });

  await step('g. close_session closes it and list_sessions no longer has it', async () => {
    const sessionId = t.sessionId;
    const { sc: before } = await callOk('list_sessions', {});
    assert.ok(Array.isArray(before.sessions), `list_sessions returned no sessions array: ${JSON.stringify(before)}`);
    const mine = before.sessions.find((s) => s.session_id === sessionId);
    assert.ok(mine, `list_sessions does not show the open session ${sessionId}: ${JSON.stringify(before.sessions)}`);
    assert.equal(mine.executor, EXECUTOR, `list_sessions says the session's executor is ${mine.executor}`);
    for (const k of ['created_at', 'last_used_at']) {
      assert.ok(!Number.isNaN(Date.parse(mine[k])), `list_sessions: ${k} ${JSON.stringify(mine[k])} is not an ISO-8601 time`);
    }

    const { sc: closed } = await callOk('close_session', { session_id: sessionId });
    assert.equal(closed.closed, true, `close_session answered ${JSON.stringify(closed)}`);
    assert.equal(closed.session_id, sessionId, `close_session answered for ${closed.session_id}`);
    t.sessionClosed = true;

    const { sc: afterClose } = await callOk('list_sessions', {});
    assert.ok(!afterClose.sessions.some((s) => s.session_id === sessionId),
      `list_sessions still shows ${sessionId} after close_session: ${JSON.stringify(afterClose.sessions)}`);
    await expectToolError('execute_code', { code: 'print(1)', session_id: sessionId }, 'a closed session');
  });
}

// --- Processes and work dirs (for the stdio server's "nothing left behind") ---------------------

/** Every process: pid -> { ppid, state, start (clock ticks since boot), comm, marked (env holds marker) }. */
export function processTable(marker) {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const entry = {
      pid: Number(name),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      state: fields[0],
      ppid: Number(fields[1]),
      start: fields[19],
      marked: false,
    };
    if (marker) {
      try { entry.marked = readFileSync(`/proc/${name}/environ`).includes(marker); } catch { /* gone or not ours */ }
    }
    table.set(entry.pid, entry);
  }
  return table;
}

/** `root` and its descendants in `table`, plus the processes whose env holds the marker. */
export function processTree(table, root) {
  const found = new Map();
  const add = (p) => { if (p && !found.has(p.pid)) found.set(p.pid, p); };
  add(table.get(root));
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of table.values()) {
      if (!found.has(p.pid) && found.has(p.ppid)) { add(p); grew = true; }
    }
  }
  for (const p of table.values()) if (p.marked && p.pid !== process.pid) add(p);
  return [...found.values()];
}

/** Whether the process recorded as `p` still runs (the same pid and start time, not a zombie). */
export function stillRunning(p) {
  let stat;
  try { stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8'); } catch { return false; }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] === p.start && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** The session work dirs (codebox-mcp-*) under root. */
export function workDirs(root) {
  try {
    return readdirSync(root).filter((n) => n.startsWith('codebox-mcp-')).map((n) => join(root, n));
  } catch {
    return [];
  }
}
