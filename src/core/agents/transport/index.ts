/** The two ways a session talks to its agent, behind one interface. */
import { AcpTransport } from './acp';
import { PlainTransport } from './plain';
import type { AgentTransport, TransportContext } from './types';

export type { AgentTransport, TransportContext, TurnEnd } from './types';

export function createTransport(ctx: TransportContext): AgentTransport {
  return ctx.plan.transport === 'acp' ? new AcpTransport(ctx) : new PlainTransport(ctx);
}
