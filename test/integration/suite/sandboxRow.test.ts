/**
 * The tree's Sandbox row says where bubblewrap cannot run: "Sandbox: unavailable", with the
 * reason. This machine's capability is detected once per extension host, so the feature's
 * summary is given what the core says on a machine without bubblewrap (detected again with a
 * PATH that holds no bwrap).
 */
import * as assert from 'node:assert/strict';
import { detectSandbox } from '../../../src/core/agents/sandbox';
import { sandboxStatusOf, WITHOUT_SANDBOX } from '../../../src/core/orchestrator/sandboxStatus';
import { useScriptedFeature, waitFor } from './helpers';

const ID = 'it-sandbox-row';

describe('The tree’s Sandbox row', () => {
  const feature = useScriptedFeature(ID, 'steps: []\n');

  it('says "Sandbox: unavailable" and why where bubblewrap cannot run, "Sandbox: on" or "off" otherwise', async function () {
    this.timeout(60_000);
    await feature.create();
    const { api } = feature;
    const orch = api.registry.get(feature.root)!;
    const row = () => {
      const node = api.tree.getChildren().find((n) => (n as { featureId?: string }).featureId === ID);
      return node && api.tree.getChildren(node).map((n) => api.tree.getTreeItem(n)).find((i) => String(i.label).startsWith('Sandbox:'));
    };
    // Control: what this machine gives.
    assert.match(String((await waitFor(row, 'the sandbox row')).label), /^Sandbox: (on|off)$/);

    const missing = sandboxStatusOf(undefined, undefined, undefined, () => detectSandbox('/nonexistent', true));
    detectSandbox(process.env.PATH, true);
    assert.equal(missing.state, 'unavailable');
    const real = orch.summary.bind(orch);
    orch.summary = (id) => (id === ID ? { ...real(id), sandbox: missing } : real(id));
    try {
      api.tree.refresh();
      const item = (await waitFor(row, 'the sandbox row'))!;
      assert.equal(item.label, 'Sandbox: unavailable');
      assert.equal(item.description, 'bubblewrap (bwrap) is not installed; install it (e.g. apt install bubblewrap) to sandbox agents');
      assert.equal(item.tooltip, `${missing.reason}\n\n${WITHOUT_SANDBOX}`);
      assert.match(String(item.contextValue), /\bsandboxUnavailable$/);
    } finally {
      orch.summary = real;
      api.tree.refresh();
    }
  });
});
