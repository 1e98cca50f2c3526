/**
 * The real agent CLIs (Claude Code, Codex, Gemini CLI; each over ACP and plain), driven by the
 * model double, through the orchestrator: a feature's life with each of them. Offline, no
 * credentials, on every run: the CLIs are pinned dev dependencies.
 *
 * What is refused before a write lands depends on what the agent's transport lets us see:
 * where a tool call is shown to us with its content before it runs (a permission request, a
 * client write), the plan judges path and content there; where it is not, the watchdog flags
 * it after the fact. Each agent's row below says which, and why.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProviderConfigInput } from '../../../src/core/agents/config';
import type { AopEvent } from '../../../src/core/events/schema';
import type { Orchestrator } from '../../../src/core/orchestrator';
import { RESUME_PROMPT } from '../../../src/core/orchestrator/agentResume';
import { waitFor } from '../../../src/core/util/async';
import { makeTempRepo, type TempRepo } from '../helpers/tempRepo';
import { testOrchestrator } from '../helpers/testOrchestrator';
import { startModelDouble, type ModelDouble, type Scenario } from '../../support/modelDouble';
import { REAL_AGENTS, freshHome, label, realAgentConfig, removeHomes, type RealAgent } from '../../support/realAgents';
import { groupProcesses, processState } from '../../support/processes';
import { fakeSecrets } from '../validation/fixtures';

const PLAN = 'version: 1\nallowed: ["src/**"]\n';
const SECRET = `export const key = "${fakeSecrets.aws()}";\n`;
const USER_MESSAGE = 'USER-MESSAGE: also keep the changelog short.';

interface Expectation {
  /** Out-of-scope and secret writes are refused before they land (else flagged after). */
  refusesBeforeWrite: boolean;
  /** Why not, when not. */
  why?: string;
  /** A message sent while it works is its next turn (else it waits for the next session). */
  messagesWhileRunning: boolean;
  /** What the feature's usage shows from the double's figures. */
  usage: 'tokens' | 'context';
  /**
   * After a restart it takes up its conversation; 'sometimes': it may fail to load it (why in
   * whyNoResume), and then starts anew from the spec.
   */
  resumes: true | 'sometimes';
  whyNoResume?: string;
  /** Test settings on top of the user-like ones. */
  extra?: Partial<ProviderConfigInput>;
}

const EXPECT: Record<string, Expectation> = {
  // Default mode: Write/Edit ask permission with the proposed content (claude-agent-acp's
  // request_permission; claude -p's can_use_tool over --permission-prompt-tool stdio).
  'claude acp': { refusesBeforeWrite: true, messagesWhileRunning: true, usage: 'tokens', resumes: true },
  'claude plain': { refusesBeforeWrite: true, messagesWhileRunning: true, usage: 'tokens', resumes: true },
  // read-only mode: each patch asks first, with its content. It reports no token counts, only
  // how full the context is (usage_update used/size).
  'codex acp': { refusesBeforeWrite: true, messagesWhileRunning: true, usage: 'context', resumes: true },
  'codex plain': {
    refusesBeforeWrite: false,
    why: '`codex exec` never asks: headless it has no approval channel, so its writes are seen only by the watchdog',
    messagesWhileRunning: false,
    usage: 'tokens',
    resumes: true,
  },
  // Asks permission, then writes through the client (fs/write_text_file): both are checked.
  'gemini acp': {
    refusesBeforeWrite: true,
    messagesWhileRunning: true,
    usage: 'tokens',
    resumes: 'sometimes',
    whyNoResume:
      'Gemini CLI 0.61 offers session/load, but loading races with re-recording the session: when the rewrite (only the opening context) lands before the read, it answers "No previous sessions found for this project"',
  },
  'gemini plain': {
    refusesBeforeWrite: false,
    why: '`gemini --output-format stream-json` asks nobody: headless it has no permission channel, so its writes are seen only by the watchdog',
    messagesWhileRunning: false,
    usage: 'tokens',
    resumes: true,
    // Headless, only yolo lets it run the shell step (auto_edit, the default, refuses commands).
    extra: { approvalMode: 'yolo' },
  },
};

/**
 * The model's side. Turn 0 (the spec): an allowed write, a symlink out of the worktree by shell
 * (critical: the agent is paused), a step held until the test releases it (so the pause lands
 * mid-turn) that writes once more, then an out-of-scope write and a write holding a secret.
 * Codex over ACP ends its turn when a tool call is refused, so for it the secret comes in the
 * turn that answers the first refusal note. Later turns answer the notes, the user's message and the resume after a restart.
 */
function scenario(agent: RealAgent): Scenario {
  const abortsOnRefusal = agent.provider === 'codex' && agent.transport === 'acp';
  const secret = { calls: [{ write: { path: 'src/creds.ts', content: SECRET } }] };
  return {
    turns: [
      {
        match: 'SPEC-7f3',
        steps: [
          { text: 'Starting.', calls: [{ write: { path: 'src/ok.ts', content: 'export const ok = 1;\n' } }], usage: { inputTokens: 1234, outputTokens: 56 } },
          { calls: [{ shell: { command: 'ln -s /etc/passwd src/escape', escalate: abortsOnRefusal } }] },
          { hold: 'mid-turn', calls: [{ write: { path: 'src/after.ts', content: 'export const after = 2;\n' } }] },
          { calls: [{ write: { path: 'docs/out.md', content: '# outside the plan\n' } }] },
          ...(abortsOnRefusal ? [] : [secret]),
        ],
      },
      { match: 'docs/out.md', steps: abortsOnRefusal ? [secret] : [{ text: 'Understood, I will stay within the plan.' }] },
      { match: 'src/creds.ts', steps: [{ text: 'Understood, no secrets in the code.' }] },
      // Before the message's turn: a plain CLI's resume prompt carries the message left waiting.
      { match: 'editor restarted', steps: [{ text: 'Resuming.', calls: [{ write: { path: 'src/resumed.ts', content: 'export const resumed = 3;\n' } }] }] },
      { match: 'USER-MESSAGE', steps: [{ text: 'Noted: a short changelog.' }] },
    ],
  };
}

type Permission = Extract<AopEvent, { t: 'agent.permission' }>;

describe('real agents through the orchestrator (model double, offline)', function () {
  // Real CLIs start in seconds (Gemini and the Claude adapter are the slow ones) on a busy machine.
  this.timeout(240_000);
  let repo: TempRepo | undefined;
  let orch: Orchestrator | undefined;
  let double: ModelDouble | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && orch) {
      // What happened, for the failure report: the feature's events and every model request.
      const dump = path.join(os.tmpdir(), `aop-real-agent-${Date.now()}.json`);
      fs.writeFileSync(dump, JSON.stringify({ events: await orch.events('feat').catch(() => []), requests: double?.requests }, null, 1));
      console.log(`    events and model requests: ${dump}`);
    }
    await orch?.dispose();
    orch = undefined;
    await double?.close();
    double = undefined;
    repo?.cleanup();
    repo = undefined;
    removeHomes();
  });

  for (const agent of REAL_AGENTS) {
    const name = label(agent);
    const exp = EXPECT[`${agent.provider} ${agent.transport}`];

    it(`${name}: checkpoints its writes, ${exp.refusesBeforeWrite ? 'refuses out-of-plan and secret writes before they land' : 'flags out-of-plan and secret writes after the fact'}, pauses its group mid-turn on a critical violation, takes a message, reports usage, stops its group, is recovered after a restart${exp.resumes === true ? ' and takes up its conversation' : ''}`, async () => {
      double = await startModelDouble(scenario(agent));
      const home = freshHome();
      repo = makeTempRepo({ 'README.md': '# r\n', 'src/a.ts': 'export const a = 0;\n' });
      const open = () =>
        testOrchestrator(repo!.dir, {
          // The person at the keyboard allows commands (the shell step) and nothing else.
          askHuman: (q) => Promise.resolve(q.kind === 'execute' ? 'allow' : 'deny'),
        });
      orch = await open();
      const f = await orch.createFeature({ id: 'feat', baseRef: 'main', spec: 'SPEC-7f3: add the feature.', planYaml: PLAN });
      const wt = f.worktree!;
      const session = await orch.startAgent('feat', realAgentConfig(agent, double, home, exp.extra));

      // 1. The symlink out of the worktree is critical: the agent is paused mid-turn (the next
      //    step is held by the double), its whole process group stopped.
      await waitFor(() => session.state === 'paused' || session.state === 'failed' || session.state === 'exited', 120_000, `${name} to be paused by the critical violation`);
      assert.equal(session.state, 'paused', `${name} ended instead: ${JSON.stringify(session.recentOutput().slice(-5))}`);
      // The quick check pauses the agent before the batch's checkpoint lists the violation (under
      // load that checkpoint can come later): wait for it.
      const o = orch;
      const escaped = () => o.summary('feat').violations.some((v) => v.kind === 'symlink_escape' && v.severity === 'critical' && v.path === 'src/escape');
      await waitFor(escaped, 60_000, 'the critical symlink_escape in the summary');
      // SIGSTOP reaches every member of the group (signal delivery is asynchronous: wait for it).
      await waitFor(() => groupProcesses(session.pid!).every((pid) => processState(pid) === 'T'), 10_000, 'every process of the group to be stopped');
      assert.equal(fs.existsSync(path.join(wt, 'src/after.ts')), false, 'the turn has not finished');

      // 2. A message sent while the agent works (paused mid-turn) waits for its next turn.
      const message = orch.sendMessage('feat', USER_MESSAGE);

      // 3. The person removes the link and resumes: the turn finishes (the held step is
      //    answered and its write lands).
      fs.unlinkSync(path.join(wt, 'src/escape'));
      await orch.checkpointNow('feat');
      double.release('mid-turn');
      orch.resumeAgent('feat');
      await waitFor(() => fs.existsSync(path.join(wt, 'src/after.ts')), 60_000, 'the held step to run after resume');

      // 4. What landed, what was refused, what was flagged.
      assert.equal(fs.readFileSync(path.join(wt, 'src/ok.ts'), 'utf8'), 'export const ok = 1;\n');
      const events = () => orch!.events('feat');
      if (exp.refusesBeforeWrite) {
        const refusals = async () => {
          const all = await events();
          return [
            ...all.filter((e): e is Permission => e.t === 'agent.permission' && e.decision === 'deny').map((e) => ({ path: e.path, reason: e.reason })),
            ...all.flatMap((e) => (e.t === 'agent.update' && e.kind === 'fs.write' && (e.data as { allowed?: boolean }).allowed === false ? [e.data as { path: string; reason: string }] : [])),
          ];
        };
        await waitFor(async () => (await refusals()).filter((r) => r.path === 'docs/out.md' || r.path === 'src/creds.ts').length >= 2, 60_000, 'both refusals');
        const refused = await refusals();
        assert.ok(refused.some((e) => e.path === 'docs/out.md' && /outside the plan's allowed areas/.test(e.reason ?? '')), `a scope refusal: ${JSON.stringify(refused)}`);
        assert.ok(refused.some((e) => e.path === 'src/creds.ts' && /AWS access key/.test(e.reason ?? '')), `a secret refusal: ${JSON.stringify(refused)}`);
        assert.equal(fs.existsSync(path.join(wt, 'docs/out.md')), false, 'the out-of-scope write never reached disk');
        assert.equal(fs.existsSync(path.join(wt, 'src/creds.ts')), false, 'the write holding a secret never reached disk');
        // The model heard why (in the tool's answer, or a note as its next turn).
        await double.waitForRequest((r) => r.text.includes('AWS access key'), 60_000, 'a request telling the model why the secret was refused');
      } else {
        // Not refusable here (exp.why): the watchdog's checkpoints flag both after the fact,
        // and the secret (critical) pauses the agent again.
        assert.ok(exp.why);
        await waitFor(
          () => {
            const v = orch!.summary('feat').violations;
            return v.some((x) => x.kind === 'out_of_scope' && x.path === 'docs/out.md') && v.some((x) => x.kind === 'secret_detected' && x.path === 'src/creds.ts');
          },
          60_000,
          'out_of_scope and secret_detected flagged',
        );
        // The secret is critical: the agent is paused again, unless its run ended first. The person
        // takes the file out and resumes, so the turn can end (plain CLIs report usage then).
        await waitFor(() => session.state !== 'running', 30_000, 'the pause for the secret, or the end of the run');
        if (session.state === 'paused') {
          fs.rmSync(path.join(wt, 'src/creds.ts'));
          await orch.checkpointNow('feat');
          orch.resumeAgent('feat');
        }
      }

      // 5. Checkpoints hold the work.
      await orch.checkpointNow('feat');
      const cps = orch.listCheckpoints('feat');
      assert.ok(cps.length >= 2, `checkpoints: ${cps.length}`);
      const last = cps[cps.length - 1]!.seq;
      assert.equal((await orch.readFileAt('feat', last, 'src/ok.ts'))?.toString(), 'export const ok = 1;\n');
      assert.equal((await orch.readFileAt('feat', last, 'src/after.ts'))?.toString(), 'export const after = 2;\n');
      if (exp.refusesBeforeWrite) {
        for (const cp of cps) assert.equal(await orch.readFileAt('feat', cp.seq, 'docs/out.md'), undefined, 'no checkpoint ever held the refused write');
      }

      // 6. The message: its own turn, acknowledged (or, for CLIs that read no input while they
      //    run, still waiting for the next session).
      if (exp.messagesWhileRunning) {
        await waitFor(() => orch!.messages('feat').find((m) => m.id === message.id)?.state === 'acknowledged', 60_000, 'the message to be acknowledged');
        await double.waitForRequest((r) => r.turn !== undefined && r.text.includes('USER-MESSAGE'), 1000, 'the message as a prompt');
      } else {
        assert.equal(session.capabilities?.messages, false);
        assert.notEqual(orch.messages('feat').find((m) => m.id === message.id)?.state, 'acknowledged');
      }

      // 7. Usage from the double's figures (plain CLIs report it when their turn ends).
      await waitFor(() => (orch!.summary('feat').usage?.inputTokens ?? 0) > 0 || (orch!.summary('feat').usage?.contextTokens ?? 0) > 0, 60_000, 'usage to be reported');
      const usage = orch.summary('feat').usage!;
      if (exp.usage === 'tokens') assert.ok(usage.inputTokens >= 1234 && usage.outputTokens >= 56, `usage: ${JSON.stringify(usage)}`);
      else assert.ok((usage.contextTokens ?? 0) > 0 && (usage.contextWindow ?? 0) > 0, `context usage: ${JSON.stringify(usage)}`);

      // 8. Stop ends the whole process group (a plain CLI may have ended its run already).
      const pids = session.pid === undefined ? [] : groupProcesses(session.pid);
      await orch.stopAgent('feat');
      assert.notEqual(session.state, 'running');
      await waitFor(() => pids.every((pid) => processState(pid) === undefined), 10_000, `every process of the group (${pids.join(', ')}) to be gone`);

      // 9. A restart: the feature comes back with its worktree and checkpoints, and the agent
      //    takes up its conversation where it can.
      const count = orch.summary('feat').checkpointCount;
      await orch.dispose();
      orch = await open();
      const back = orch.summary('feat');
      assert.equal(back.status, 'active');
      assert.equal(back.checkpointCount, count);
      assert.equal((await orch.readFileAt('feat', orch.listCheckpoints('feat').at(-1)!.seq, 'src/after.ts'))?.toString(), 'export const after = 2;\n');
      const before = double.requests.length;
      const resumed = await orch.startAgent('feat', undefined, { resume: true });
      const fresh = (r: { turn?: number; step?: number }) => r.turn === 0 && r.step === 0;
      await waitFor(() => fs.existsSync(path.join(wt, 'src/resumed.ts')) || resumed.state === 'failed' || double!.requests.slice(before).some(fresh), 120_000, 'the resumed session to work');
      const fellBack = (await events()).some((e) => e.t === 'warning' && /could not take up its earlier conversation/.test(e.message));
      if (exp.resumes === true || !fellBack) {
        assert.ok(fs.existsSync(path.join(wt, 'src/resumed.ts')), `resumed: ${resumed.state} ${String(resumed.error ?? '')}`);
        // The same conversation: the model saw the spec and the earlier work again.
        const req = await double.waitForRequest((r) => r.text.includes(RESUME_PROMPT.slice(0, 30)), 1000, 'the resume prompt');
        assert.ok(req.text.includes('SPEC-7f3') && req.text.includes('src/after.ts'), 'the resumed conversation holds the earlier turns');
        if (!exp.messagesWhileRunning) {
          // The message that waited goes with the new session's first prompt, which acknowledges it.
          assert.ok(req.text.includes('USER-MESSAGE'), 'the waiting message reached the model');
          await waitFor(() => orch!.messages('feat').find((m) => m.id === message.id)?.state === 'acknowledged', 60_000, 'the waiting message to be acknowledged');
        }
      } else {
        // It could not load it (exp.whyNoResume): it says so and starts anew from the spec.
        assert.ok(exp.whyNoResume);
        await double.waitForRequest((r) => double!.requests.indexOf(r) >= before && fresh(r), 60_000, 'a fresh conversation from the spec');
      }
      await orch.stopAgent('feat');
    });
  }
});
