/** Reads `aop.*` from the VS Code configuration and reports invalid values once per change. */
import * as vscode from 'vscode';
import { SETTINGS_SECTION, type SettingKey } from './ids';
import { parseSettings, type ReadSettings } from './settingsModel';

export function readSettings(): ReadSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return parseSettings((key: SettingKey) => config.get(key));
}

export function affectsOurSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(SETTINGS_SECTION);
}
