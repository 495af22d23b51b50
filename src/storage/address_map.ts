/**
 * Local paths back to the addresses they stand for: the scratch folder of an --out s3://... run to
 * that address, and copies in the download cache to their objects. Applied to what leaves a run
 * (event texts, error messages, the manifest and validation report uploaded to the bucket), so the
 * user reads the addresses they gave, and a manifest's `source` fields name the objects' URLs.
 */
import { sep } from 'node:path';
import { objectsRoot } from './local_copies.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class AddressMap {
  private readonly outPattern: RegExp | null;
  private readonly objectsPattern: RegExp;

  constructor(
    cacheDir: string,
    /** The run's scratch folder and the address it mirrors, when --out is an address. */
    private readonly out: { localRoot: string; address: string } | null,
  ) {
    // A path is the folder itself or the folder followed by a separator; '/runs-2' is not inside '/runs'.
    this.outPattern = out ? new RegExp(`${escapeRegExp(out.localRoot)}(?=${escapeRegExp(sep)}|$|[^\\w.-])`, 'g') : null;
    this.objectsPattern = new RegExp(`${escapeRegExp(objectsRoot(cacheDir) + sep)}(s3|obs)${escapeRegExp(sep)}([a-z0-9.-]+)(${escapeRegExp(sep)}|(?=$|[^\\w.-]))`, 'g');
  }

  /** `text` with every local path of the scratch folder or the cache replaced by its address. */
  text(text: string): string {
    let mapped = text;
    if (this.out && this.outPattern) {
      const address = this.out.address.replace(/\/$/, '');
      mapped = mapped.replace(this.outPattern, address);
    }
    mapped = mapped.replace(this.objectsPattern, (_, scheme: string, bucket: string) => `${scheme}://${bucket}/`);
    // Below an address, keys use '/' whatever the local separator.
    return sep === '/' ? mapped : mapped.replace(/((?:s3|obs):\/\/\S*)/g, (m) => m.split(sep).join('/'));
  }

  /** Every string in a parsed JSON value mapped by `text`. */
  json(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.json(v));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.json(v)]));
    return value;
  }

  /**
   * The bytes to upload for a file of the run folder: the manifest (JSON lines) and the validation
   * report (JSON) with addresses for paths; null (upload as is) for everything else.
   */
  uploadBody(relative: string, bytes: Buffer): Buffer | null {
    try {
      if (relative.endsWith('.manifest')) {
        const lines = bytes.toString('utf8').split('\n').filter((l) => l.trim() !== '');
        return Buffer.from(lines.map((l) => JSON.stringify(this.json(JSON.parse(l)))).join('\n') + (lines.length ? '\n' : ''));
      }
      if (relative === 'validation_report.json') return Buffer.from(`${JSON.stringify(this.json(JSON.parse(bytes.toString('utf8'))), null, 2)}\n`);
    } catch {
      // Not the JSON expected (it cannot be, as the run writes it; but a copy as is beats none).
    }
    return null;
  }
}
