/**
 * Reads the data inside nsfwjs's model files without running them. Each file is a browserify
 * bundle whose only module does `X.exports = <literal>`: the model topology and weight manifest
 * (an object literal written by a minifier: unquoted keys, `!0`/`!1` for booleans, numbers like
 * `.5`) or one base64 string of weights. This parser accepts exactly that literal subset and
 * nothing executable, so a tampered file can only fail to parse.
 */
import { CheckpointError } from '../errors.js';

export type LiteralValue = null | boolean | number | string | LiteralValue[] | { [key: string]: LiteralValue };

const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_$][\w$]*/y;
const MAX_DEPTH = 64;

class Parser {
  pos: number;

  constructor(
    readonly text: string,
    start: number,
    readonly file: string,
  ) {
    this.pos = start;
  }

  fail(expected: string): never {
    const found = this.pos >= this.text.length ? 'the end of the file' : JSON.stringify(this.text.slice(this.pos, this.pos + 20));
    throw new CheckpointError(`${this.file}: expected ${expected} at offset ${this.pos} but found ${found}; the file is damaged or not an nsfwjs model file (reinstall the package: npm ci)`);
  }

  eat(char: string): boolean {
    if (this.text[this.pos] !== char) return false;
    this.pos++;
    return true;
  }

  expect(char: string): void {
    if (!this.eat(char)) this.fail(`'${char}'`);
  }

  match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }

  value(depth: number): LiteralValue {
    if (depth > MAX_DEPTH) this.fail(`at most ${MAX_DEPTH} levels of nesting`);
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"' || c === "'") return this.string();
    if (c === '!') {
      this.pos++;
      if (this.eat('0')) return true;
      if (this.eat('1')) return false;
      this.fail("'!0' or '!1'");
    }
    const n = this.match(NUMBER);
    if (n !== null) return Number(n);
    const word = this.match(IDENTIFIER);
    if (word === 'null') return null;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'void' && this.eat(' ') && this.eat('0')) return null;
    if (word !== null) this.pos -= word.length;
    return this.fail('a literal value');
  }

  object(depth: number): { [key: string]: LiteralValue } {
    this.expect('{');
    const out: { [key: string]: LiteralValue } = Object.create(null) as { [key: string]: LiteralValue };
    if (this.eat('}')) return out;
    for (;;) {
      const c = this.text[this.pos];
      const key = c === '"' || c === "'" ? this.string() : (this.match(IDENTIFIER) ?? this.match(NUMBER) ?? this.fail('a property name'));
      this.expect(':');
      out[key] = this.value(depth + 1);
      if (this.eat('}')) return out;
      this.expect(',');
    }
  }

  array(depth: number): LiteralValue[] {
    this.expect('[');
    const out: LiteralValue[] = [];
    if (this.eat(']')) return out;
    for (;;) {
      out.push(this.value(depth + 1));
      if (this.eat(']')) return out;
      this.expect(',');
    }
  }

  string(): string {
    const quote = this.text[this.pos] as string;
    let end = this.pos + 1;
    let escaped = false;
    for (; end < this.text.length; end++) {
      const c = this.text[end];
      if (c === '\\') {
        end++;
        escaped = true;
      } else if (c === quote) break;
      else if (c === '\n') break;
    }
    if (this.text[end] !== quote) this.fail('a closed string');
    const body = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    if (!escaped) return body;
    try {
      // JSON's escapes are the ones a minifier emits; a single-quoted body has its \' unescaped first.
      return JSON.parse(`"${(quote === "'" ? body.replace(/\\'/g, "'") : body).replace(/(^|[^\\])"/g, '$1\\"')}"`) as string;
    } catch {
      return this.fail('a string with valid escapes');
    }
  }
}

/** The literal assigned to the bundle's module.exports (`{1:[function(a,n,i){n.exports=...`). */
export function parseBundledLiteral(text: string, file: string): LiteralValue {
  const m = /\[function\(\w+,(\w+),\w+\)\{\1\.exports=/.exec(text);
  if (!m) throw new CheckpointError(`${file}: no module.exports assignment found; expected one of nsfwjs's bundled model files (reinstall the package: npm ci)`);
  const parser = new Parser(text, m.index + m[0].length, file);
  const value = parser.value(0);
  if (text[parser.pos] !== '}') parser.fail("the end of the module function ('}') right after the exported value");
  return value;
}
