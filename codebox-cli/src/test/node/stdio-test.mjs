#!/usr/bin/env node
// End-to-end test of codebox's MCP server over stdio, with the official TypeScript SDK's
// StdioClientTransport as the client: what the conformance scenarios server-initialize, ping,
// logging-set-level and tools-list check (the conformance CLI only speaks HTTP), steps a-g of
// client-test.mjs (steps.mjs), stdout carrying nothing but JSON-RPC, and, when the client goes away
// (its end of stdin closed) with a session still open, the server exiting on its own within
// MCP_EXIT_TIMEOUT_MS with nothing left behind: no process it started, no session work dir.
//
// Usage:
//   MCP_COMMAND='["/work/main/codebox","mcp","-e","local","--allow-executor","jupyter"]' \
//   CODEBOX_PYTHON=/usr/bin/python3 node stdio-test.mjs
// MCP_COMMAND is the server's command line as a JSON array; it is spawned with this process's env
// (plus CODEBOX_MCP_TEST_MARKER, a random value used to find the processes it starts).
// Optional: MCP_EXECUTOR (create_session's executor, default jupyter; it must be -e or an
//           --allow-executor of the command), MCP_CANCEL_RECOVERY_MS, MCP_REQUIRE_PROGRESS=0,
//           MCP_TEST_TIMEOUT_MS (as in client-test.mjs), MCP_EXIT_TIMEOUT_MS (default 10000),
//           MCP_WORKDIR_ROOT (where the server makes session dirs, java.io.tmpdir; default /tmp),
//           MCP_SERVER_STDERR=1 (copy the server's stderr here as it comes; else only its tail on failure).
// Prints one line per passed step; on the first failure prints why and exits 1 (2 on bad usage).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readlinkSync } from 'node:fs';
import {
  t, sleep, step, finish, startWatchdog, connectStdio, protocolSteps, toolsListStep, sessionSteps,
  callOk, run, EXECUTOR, processTable, processTree, stillRunning, workDirs,
} from './steps.mjs';

const EXIT_TIMEOUT_MS = Number(process.env.MCP_EXIT_TIMEOUT_MS || 10000);
const WORKDIR_ROOT = process.env.MCP_WORKDIR_ROOT || '/tmp';

let COMMAND;
try {
  COMMAND = JSON.parse(process.env.MCP_COMMAND ?? '');
} catch {
  COMMAND = undefined;
}
if (!Array.isArray(COMMAND) || COMMAND.length === 0 || !COMMAND.every((a) => typeof a === 'string')) {
  console.error('stdio-test: set MCP_COMMAND to the server command as a JSON array of strings, e.g. '
    + '\'["/work/main/codebox","mcp","-e","local","--allow-executor","jupyter"]\'');
  process.exit(2);
}

const MARKER = `codebox-stdio-test-${randomBytes(8).toString('hex')}`;
const dirsBefore = new Set(workDirs(WORKDIR_ROOT));
let serverPid;

startWatchdog();

// The SDK's close() ends stdin, then sends SIGTERM after 2 s and SIGKILL after 4 s: right for cleanup
// after a failure; the exit check below closes stdin itself and watches for a clean exit.
t.cleanup = () => t.transport?.close();

await step(`spawn ${JSON.stringify(COMMAND)} and initialize over stdio`, async () => {
  const transport = await connectStdio(COMMAND, { CODEBOX_MCP_TEST_MARKER: MARKER });
  serverPid = transport.pid;
  assert.ok(Number.isInteger(serverPid), `the transport has no pid: ${serverPid}`);
  const info = t.client.getServerVersion();
  return `pid ${serverPid}, server ${info?.name} ${info?.version}`;
});

await protocolSteps();
await toolsListStep();
await sessionSteps();

let leftOpen;
await step('a session left open at the end: its kernel runs and its work dir holds a file', async () => {
  const { sc } = await callOk('create_session', { executor: EXECUTOR });
  t.sessionId = sc.session_id;
  t.sessionClosed = false;
  await callOk('upload_file', { session_id: t.sessionId, path: 'left.txt', text: 'left open' });
  const { sc: out } = await run('import os\nprint(os.getpid())\nprint(os.getcwd())');
  const [pidLine, cwd] = out.output.trim().split('\n').map((l) => l.trim());
  const pid = Number(pidLine);
  assert.ok(Number.isInteger(pid) && pid > 0, `the code printed no pid: ${JSON.stringify(out.output)}`);
  assert.ok(existsSync(`${cwd}/left.txt`), `the code's cwd ${cwd} does not hold the uploaded left.txt`);
  leftOpen = { sessionId: t.sessionId, pid, cwd };
  return `session ${t.sessionId}, code in pid ${pid}, work dir ${cwd}`;
});

await step(`when the client closes stdin, the server exits within ${EXIT_TIMEOUT_MS / 1000} s and leaves nothing behind`, async () => {
  const child = t.transport._process; // the SDK keeps its ChildProcess here (no public accessor)
  assert.ok(child && child.pid === serverPid,
    'cannot reach the server\'s ChildProcess through StdioClientTransport._process (the SDK changed?)');
  const tree = processTree(processTable(MARKER), serverPid);
  // The work dirs of the server's sessions: the open session's, and any process's cwd of that form.
  const ownDirs = new Set([leftOpen.cwd]);
  for (const p of tree) {
    try {
      const cwd = readlinkSync(`/proc/${p.pid}/cwd`);
      if (workDirs(WORKDIR_ROOT).includes(cwd)) ownDirs.add(cwd);
    } catch { /* gone */ }
  }
  assert.ok(tree.some((p) => p.pid === leftOpen.pid),
    `the open session's process ${leftOpen.pid} is not among the server's processes: `
    + `${tree.map((p) => `${p.pid}:${p.comm}`).join(' ')}`);
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const closedAt = Date.now();
  child.stdin.end();
  const deadline = closedAt + EXIT_TIMEOUT_MS;
  const exit = await Promise.race([exited, sleep(EXIT_TIMEOUT_MS).then(() => null)]);
  assert.ok(exit, `the server (pid ${serverPid}) still runs ${EXIT_TIMEOUT_MS} ms after its stdin was closed`);
  const exitMs = Date.now() - closedAt;
  assert.equal(exit.signal, null, `the server was killed by ${exit.signal}`);
  assert.equal(exit.code, 0, `the server exited with code ${exit.code}`);

  // Gone: every process of the tree seen before the close (same pid and start time), every process
  // started since whose env holds the marker, the open session's work dir and any new codebox-mcp-* dir.
  let running;
  let marked;
  let dirsLeft;
  for (;;) {
    running = tree.filter(stillRunning);
    marked = [...processTable(MARKER).values()]
      .filter((p) => p.marked && p.pid !== process.pid && p.state !== 'Z' && !running.some((r) => r.pid === p.pid));
    dirsLeft = [...ownDirs].filter((d) => existsSync(d));
    if (running.length + marked.length + dirsLeft.length === 0 || Date.now() > deadline) break;
    await sleep(100);
  }
  assert.deepEqual(running.map((p) => `${p.pid}:${p.comm}`), [],
    `${EXIT_TIMEOUT_MS} ms after stdin was closed the server's processes still run`);
  assert.deepEqual(marked.map((p) => `${p.pid}:${p.comm}`), [],
    `${EXIT_TIMEOUT_MS} ms after stdin was closed processes with the server's env (CODEBOX_MCP_TEST_MARKER) still run`);
  assert.deepEqual(dirsLeft, [], 'the work dirs of the server\'s sessions are still there');
  t.sessionClosed = true;
  // Other servers (another test, a bench) may make codebox-mcp-* dirs meanwhile: only reported.
  const newDirs = workDirs(WORKDIR_ROOT).filter((d) => !dirsBefore.has(d));
  if (newDirs.length > 0) {
    console.log(`# ${newDirs.length} codebox-mcp-* dir(s) in ${WORKDIR_ROOT} made since the start, not of this server's `
      + `sessions at exit (another server's? a session closed earlier?): ${newDirs.join(' ')}`);
  }
  return `exit 0 after ${exitMs} ms; ${tree.length} process(es) gone: ${tree.map((p) => `${p.pid}:${p.comm}`).join(' ')}`
    + ` (${tree.filter((p) => p.marked).length} had the marker in their env); work dir(s) deleted: ${[...ownDirs].join(' ')}`;
});

await step('stdout carried JSON-RPC messages only', async () => {
  const bad = t.clientErrorObjects.filter((e) => e?.name === 'SyntaxError' || e?.name === 'ZodError'
    || /Unexpected token|not valid JSON|JSON at position/i.test(e?.message ?? ''));
  assert.equal(bad.length, 0, `the client could not parse ${bad.length} line(s) from the server's stdout: `
    + bad.slice(0, 3).map((e) => `${e.name}: ${e.message}`).join(' | '));
  const notes = t.wire.filter((w) => w.dir === 'in').length;
  return `${notes} messages received, up to the server's exit`;
});

await t.client.close().catch(() => {});
finish();
process.exit(0);
