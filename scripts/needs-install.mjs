// Run before lint and typecheck: on a fresh clone without `npm ci` they would fail with
// "eslint: not found"; say what to do instead.
import { existsSync } from 'node:fs';
import path from 'node:path';

const tools = process.argv.slice(2);
const missing = tools.filter((t) => !existsSync(path.join('node_modules', '.bin', t)));
if (missing.length > 0) {
  console.error(`${missing.join(' and ')} not installed: run \`npm ci\` first (it installs the project's dependencies).`);
  process.exit(1);
}
