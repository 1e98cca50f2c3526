/**
 * Must be the first import: zod decides at schema construction whether to compile parsers with
 * `new Function`, and probing for it makes the CSP (no eval) report a violation.
 */
import { z } from 'zod';

z.config({ jitless: true });
