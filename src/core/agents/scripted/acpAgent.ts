/**
 * The scripted agent speaking ACP on stdio (the SDK's agent side). The first prompt turn runs
 * the script up to its first `waitForMessage`; each later prompt is a message: it is answered
 * (`ACK <text>`), then the script continues to the next `waitForMessage`. Edits go through the
 * client's fs methods when the client offers them, so the client can refuse them before they
 * land; operations ACP has no method for (delete, rename, ...) happen on disk, as a real agent's
 * shell would do them. Nothing but protocol may reach stdout here: command output goes to stderr.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { runShell } from './plainAgent';
import { runSteps } from './runner';
import type { Pause, ScriptEffects, UsageReport } from './runner';
import type { Script } from './schema';

export function runAcp(script: Script, opts: { cwd: string; version: string }): Promise<void> {
  let clientCaps: acp.ClientCapabilities = {};
  let sessionId = '';
  let cwd = opts.cwd;
  let cancelled = false;
  let walk: AsyncGenerator<Pause, void, void> | undefined;
  let finished = false;
  let turns = 0;
  let toolSeq = 0;
  let turnUsage: UsageReport = {};
  let totalCost = 0;
  let totalTokens = 0;
  // Set once connected; the handlers below only run after that.
  const peer: { ctx?: acp.AgentContext } = {};

  const update = (u: acp.SessionUpdate) => peer.ctx!.notify(acp.methods.client.session.update, { sessionId, update: u });
  const say = (text: string) => update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text } });
  const abs = (p: string) => path.resolve(cwd, p);

  /** Announces a tool call, asks permission when told to, runs it, and reports the outcome. */
  async function tool(title: string, kind: acp.ToolKind, paths: string[], ask: boolean, body: () => Promise<void>, content?: acp.ToolCallContent[]): Promise<void> {
    const toolCallId = `tool-${++toolSeq}`;
    const locations = paths.map((p) => ({ path: abs(p) }));
    await update({ sessionUpdate: 'tool_call', toolCallId, title, kind, status: 'pending', locations, ...(content ? { content } : {}) });
    if (ask) {
      const req: acp.RequestPermissionRequest = {
        sessionId,
        toolCall: { toolCallId, title, kind, status: 'pending', locations },
        options: [
          { optionId: 'allow', name: 'Allow once', kind: 'allow_once' },
          { optionId: 'reject', name: 'Reject', kind: 'reject_once' },
        ],
      };
      const answer = await peer.ctx!.request(acp.methods.client.session.requestPermission, req);
      if (answer.outcome.outcome !== 'selected' || answer.outcome.optionId !== 'allow') {
        await update({ sessionUpdate: 'tool_call_update', toolCallId, status: 'failed', content: [text('permission denied')] });
        process.stderr.write(`permission denied: ${title}\n`);
        return;
      }
    }
    await update({ sessionUpdate: 'tool_call_update', toolCallId, status: 'in_progress' });
    try {
      await body();
      await update({ sessionUpdate: 'tool_call_update', toolCallId, status: 'completed' });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${title} failed: ${message}\n`);
      await update({ sessionUpdate: 'tool_call_update', toolCallId, status: 'failed', content: [text(message)] });
    }
  }

  const writeFile = async (p: string, content: string) => {
    if (clientCaps.fs?.writeTextFile) {
      await peer.ctx!.request(acp.methods.client.fs.writeTextFile, { sessionId, path: abs(p), content });
    } else {
      await fs.mkdir(path.dirname(abs(p)), { recursive: true });
      await fs.writeFile(abs(p), content);
    }
  };
  const readFile = async (p: string): Promise<string> => {
    try {
      if (clientCaps.fs?.readTextFile) return (await peer.ctx!.request(acp.methods.client.fs.readTextFile, { sessionId, path: abs(p) })).content;
      return await fs.readFile(abs(p), 'utf8');
    } catch {
      return '';
    }
  };

  const fx: ScriptEffects = {
    print: (t) => say(t + '\n'),
    async write(p, content, ask, quiet) {
      if (quiet) {
        try {
          await writeFile(p, content);
        } catch (err) {
          process.stderr.write(`write ${p} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
        return;
      }
      await tool(`Write ${p}`, 'edit', [p], ask, () => writeFile(p, content), [{ type: 'diff', path: abs(p), newText: content }]);
    },
    append: (p, content, ask) => tool(`Append to ${p}`, 'edit', [p], ask, async () => writeFile(p, (await readFile(p)) + content)),
    remove: (p, ask) => tool(`Delete ${p}`, 'delete', [p], ask, () => fs.rm(abs(p), { recursive: true, force: true })),
    rename: (from, to, ask) => tool(`Rename ${from} to ${to}`, 'move', [from, to], ask, () => fs.rename(abs(from), abs(to))),
    symlink: (p, target, ask) => tool(`Link ${p} to ${target}`, 'edit', [p], ask, () => fs.symlink(target, abs(p))),
    chmod: (p, mode, ask) => tool(`Make ${p} mode ${mode.toString(8)}`, 'edit', [p], ask, () => fs.chmod(abs(p), mode)),
    mkdir: (p, ask) => tool(`Create folder ${p}`, 'edit', [p], ask, async () => void (await fs.mkdir(abs(p), { recursive: true }))),
    run: (command, ask) =>
      tool(`Run ${command}`, 'execute', [], ask, async () => {
        const code = await runShell(command, cwd, 'stderr');
        if (code !== 0) throw new Error(`exit code ${code}`);
      }),
    async usage(report) {
      turnUsage = {
        inputTokens: (turnUsage.inputTokens ?? 0) + (report.inputTokens ?? 0),
        outputTokens: (turnUsage.outputTokens ?? 0) + (report.outputTokens ?? 0),
      };
      totalTokens += (report.inputTokens ?? 0) + (report.outputTokens ?? 0);
      totalCost += report.costUsd ?? 0;
      await update({ sessionUpdate: 'usage_update', used: totalTokens, size: 200000, cost: { amount: totalCost, currency: 'USD' } });
    },
    async exit(code) {
      process.exit(code);
    },
    cancelled: () => cancelled,
  };

  const app = acp
    .agent({ name: 'aop-scripted' })
    .onRequest(acp.methods.agent.initialize, ({ params }) => {
      clientCaps = params.clientCapabilities ?? {};
      return {
        protocolVersion: acp.PROTOCOL_VERSION,
        agentCapabilities: { loadSession: false, promptCapabilities: {} },
        agentInfo: { name: 'aop-scripted', title: 'Scripted agent', version: opts.version },
        authMethods: [],
      };
    })
    .onRequest(acp.methods.agent.session.new, ({ params }) => {
      cwd = params.cwd;
      sessionId = `scripted-${process.pid}`;
      return { sessionId };
    })
    .onNotification(acp.methods.agent.session.cancel, () => {
      cancelled = true;
    })
    .onRequest(acp.methods.agent.session.prompt, async ({ params }) => {
      cancelled = false;
      turnUsage = {};
      turns++;
      const promptText = params.prompt.map((b) => (b.type === 'text' ? b.text : '')).join('\n');
      if (turns > 1) {
        if (!script.ackMessages) await untilCancelled(() => cancelled);
        else await say(`ACK ${promptText.slice(0, 200)}\n`);
      }
      if (!finished && !cancelled) {
        walk ??= runSteps(script.steps, fx);
        const step = await walk.next();
        if (step.done) finished = true;
      }
      const usage = turnUsage.inputTokens !== undefined || turnUsage.outputTokens !== undefined
        ? { inputTokens: turnUsage.inputTokens ?? 0, outputTokens: turnUsage.outputTokens ?? 0, totalTokens: (turnUsage.inputTokens ?? 0) + (turnUsage.outputTokens ?? 0) }
        : undefined;
      // `usage` is an unstable ACP field; clients that do not know it ignore it.
      return { stopReason: cancelled ? 'cancelled' : 'end_turn', ...(usage ? { usage } : {}) } as acp.PromptResponse;
    });

  const conn = app.connect(acp.ndJsonStream(Writable.toWeb(process.stdout), Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>));
  peer.ctx = conn.client;
  return conn.closed;
}

function text(t: string): acp.ToolCallContent {
  return { type: 'content', content: { type: 'text', text: t } };
}

async function untilCancelled(isCancelled: () => boolean): Promise<void> {
  while (!isCancelled()) await new Promise((r) => setTimeout(r, 50));
}
