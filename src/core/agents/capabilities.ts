/**
 * What an installed agent can do, read from the agent itself (ACP `initialize`, a plain CLI's
 * version and help), for the agent pick: once per executable version (path, size and
 * modification time), since an ACP agent must be started to be asked. Probes never throw: an
 * agent that does not answer simply shows no capabilities.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ProviderConfigInput } from './config';
import type { ProviderAvailability } from './installed';
import { probeProvider } from './probe';
import type { AgentCapabilities } from './types';

const cache = new Map<string, Promise<AgentCapabilities | undefined>>();

export interface CapabilityProbeOptions {
  /** The provider's settings (its command, env, transport...). */
  settings?: Partial<ProviderConfigInput>;
  parentEnv?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The capabilities of an installed provider (undefined when it is not installed or does not answer). */
export function capabilitiesOf(a: ProviderAvailability, o: CapabilityProbeOptions = {}): Promise<AgentCapabilities | undefined> {
  if (a.status !== 'installed' || !a.path || !a.transport || a.id === 'custom' || a.id === 'scripted') return Promise.resolve(undefined);
  let stamp: string;
  try {
    const st = fs.statSync(a.path);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    return Promise.resolve(undefined);
  }
  const key = [a.id, a.transport, a.path, stamp].join('\0');
  let hit = cache.get(key);
  if (!hit) {
    const input = { ...(o.settings ?? {}), provider: a.id, transport: a.transport } as ProviderConfigInput;
    hit = probeProvider(input, { cwd: os.tmpdir(), ...(o.parentEnv ? { parentEnv: o.parentEnv } : {}), timeoutMs: o.timeoutMs ?? 30_000 }).then(
      (r) => r.capabilities,
      () => {
        cache.delete(key); // a failure (a slow start on a busy machine) is asked again next time
        return undefined;
      },
    );
    cache.set(key, hit);
  }
  return hit;
}

/** One line for a person: version, protocol, and what it takes besides text. */
export function capabilitySummary(c: AgentCapabilities): string {
  const parts: string[] = [];
  if (c.version) parts.push(`v${c.version}`);
  parts.push(c.acp ? 'ACP' : 'plain CLI');
  parts.push(c.messages ? 'takes messages while it works' : 'no messages while it works');
  if (c.resumeSession) parts.push('resumes sessions');
  const p = c.promptCapabilities;
  const extras = p ? [p.image && 'images', p.audio && 'audio', p.embeddedContext && 'embedded context'].filter(Boolean) : [];
  if (extras.length) parts.push(`prompts with ${extras.join(', ')}`);
  if (c.authMethods?.length) parts.push(`sign-in: ${c.authMethods.join(', ')}`);
  return parts.join(' · ');
}
