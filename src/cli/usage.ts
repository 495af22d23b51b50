/** The overview printed by `cyclegan help` (generated from the command declarations, see help.ts). */
import { overview } from './help.js';
import { packageVersion } from '../version.js';

export const USAGE = overview(packageVersion());
