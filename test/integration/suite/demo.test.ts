/**
 * The demo repository's own feature (what `npm start` shows): starting its draft creates the
 * worktree, and its scripted agent writes in scope, then out of scope, so a violation shows.
 * Runs last among the tests that expect the draft, and leaves the draft as it found it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AopApi } from '../../../src/extension';
import { COMMANDS, DIAGNOSTIC_SOURCE } from '../../../src/vscode/ids';
import { getApi, repoRoot, summary, waitFor } from './helpers';

describe('Demo feature', () => {
  let api: AopApi;
  let root: string;

  let draftFiles: Map<string, Buffer>;

  before(async () => {
    api = await getApi();
    root = repoRoot(api);
    const dir = path.join(root, '.aop', 'features', 'demo');
    draftFiles = new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
  });

  after(async () => {
    await vscode.commands.executeCommand(COMMANDS.deleteFeature, { repoRoot: root, featureId: 'demo', deleteBranchAndRefs: true });
    // A deleted feature is archived: forget it, put the draft's files back and open the repository
    // again (as a reload does), so the browser checks find the draft they start from.
    await api.registry.resolve({ repoRoot: root, featureId: 'demo' }).forgetFeature('demo');
    const dir = path.join(root, '.aop', 'features', 'demo');
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, bytes] of draftFiles) fs.writeFileSync(path.join(dir, f), bytes);
    const folders = vscode.workspace.workspaceFolders ?? [];
    await api.registry.removeFolders(folders);
    await api.registry.addFolders(folders);
    await api.registry.ready();
    assert.equal(summary(api, root, 'demo').status, 'draft');
  });

  it('starts from its draft and shows checkpoints and an out-of-scope violation', async function () {
    this.timeout(90_000);
    assert.equal(summary(api, root, 'demo').status, 'draft');
    await vscode.commands.executeCommand(COMMANDS.startAgent, { repoRoot: root, featureId: 'demo', baseRef: 'main' });
    const orch = api.registry.resolve({ repoRoot: root, featureId: 'demo' });
    await waitFor(() => summary(api, root, 'demo').violations.some((v) => v.kind === 'out_of_scope' && v.path === 'docs/notes.md'), 'the out-of-scope violation on docs/notes.md', 45_000);
    const touched = new Set(orch.listCheckpoints('demo').flatMap((c) => c.files.map((f) => f.path)));
    assert.ok(touched.has('src/hello.ts') && touched.has('src/index.ts'), `checkpoints hold: ${[...touched].join(', ')}`);
    const wt = summary(api, root, 'demo').worktree!;
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(wt, 'docs', 'notes.md'))).filter((x) => x.source === DIAGNOSTIC_SOURCE);
      return d.length ? d : undefined;
    }, 'a diagnostic on docs/notes.md', 10_000);
    assert.equal(diags[0]!.code, 'out_of_scope');
  });
});
