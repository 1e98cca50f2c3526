/** The providers, by id. */
import type { ProviderId } from '../config';
import { aiderProvider } from './aider';
import { claudeProvider } from './claude';
import { codexProvider } from './codex';
import { customProvider } from './custom';
import { geminiProvider } from './gemini';
import { scriptedProvider } from './scripted';
import type { ProviderDefinition } from './types';

export const PROVIDERS: Readonly<Record<ProviderId, ProviderDefinition>> = {
  claude: claudeProvider,
  codex: codexProvider,
  gemini: geminiProvider,
  aider: aiderProvider,
  custom: customProvider,
  scripted: scriptedProvider,
};

export type { LaunchContext, LaunchPlan, LineSignal, PlainPermissionRequest, ProposedWrite, ProviderDefinition } from './types';
