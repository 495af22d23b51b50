/**
 * Turns user parameters (a JSON file's object, CLI flags as strings) into one frozen, fully typed
 * Parameters object, rejecting unknown names and bad values before any work starts.
 */
import { ConfigError } from '../errors.js';
import type { ConvolutionPrecision } from '../engine/precision.js';
import { PARAMETER_NAMES, PARAMETERS, type Parameters } from './parameters.js';

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

/** Accepts snake_case and kebab-case names. */
export function canonicalName(name: string): string {
  return name.replace(/-/g, '_');
}

/** Strings from the command line become booleans and numbers where the parameter expects them. */
function coerce(name: keyof Parameters, value: unknown): unknown {
  const { type } = PARAMETERS[name];
  if (typeof value !== 'string') return value;
  if (type === 'boolean') {
    const v = value.toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    return value;
  }
  if (type === 'integer' || type === 'number') {
    const n = Number(value);
    // '1e309' is a number, just too large to hold: keep it as Infinity so the message says it is out of range.
    return value.trim() !== '' && !Number.isNaN(n) ? n : value;
  }
  return value;
}

function checkOne(name: keyof Parameters, value: unknown): unknown {
  const spec = PARAMETERS[name];
  const v = coerce(name, value);
  const expected =
    spec.type === 'boolean'
      ? typeof v === 'boolean'
        ? null
        : 'true or false'
      : spec.type === 'string'
        ? typeof v === 'string'
          ? null
          : 'a string'
        : typeof v !== 'number' || !Number.isFinite(v)
          ? spec.type === 'integer'
            ? 'an integer'
            : 'a number'
          : spec.type === 'integer' && !Number.isInteger(v)
            ? 'an integer'
            : null;
  if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) && spec.type !== 'boolean' && spec.type !== 'string') {
    // JSON.parse turns 1e309 into Infinity, which JSON.stringify would show as null. Every check refuses NaN, so check(NaN) says what is expected.
    throw new ConfigError(`Expected ${spec.check?.(Number.NaN) ?? expected ?? 'a number'} for ${name} but received a number out of range (beyond 1.8e308)`);
  }
  if (spec.type === 'integer' && typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
    throw new ConfigError(`Expected an integer of at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1) for ${name} but received ${shown(v)} of type number (larger integers cannot be held exactly)`);
  }
  const problem = expected ?? spec.check?.(v) ?? null;
  if (problem) {
    // Report the value as understood (a flag "100" is the number 100), so the message is about the value, not the quoting.
    throw new ConfigError(`Expected ${problem} for ${name} but received ${shown(v)} of type ${typeName(v)}`);
  }
  return v;
}

/** Defaults for every parameter. */
export function defaultParameters(): Parameters {
  return Object.fromEntries(PARAMETER_NAMES.map((n) => [n, PARAMETERS[n].default()])) as unknown as Parameters;
}

/** Validates and completes user parameters; the result is frozen. */
export function resolveParameters(user: Record<string, unknown>): Readonly<Parameters> {
  const out = defaultParameters() as unknown as Record<string, unknown>;
  for (const [rawName, value] of Object.entries(user)) {
    if (value === undefined) continue;
    const name = canonicalName(rawName);
    // Own keys only: `in` would accept __proto__, constructor, toString and valueOf from Object.prototype.
    if (!Object.hasOwn(PARAMETERS, name)) {
      throw new ConfigError(`Unknown parameter '${rawName}'. Accepted parameters: ${PARAMETER_NAMES.join(', ')}`);
    }
    out[name] = checkOne(name as keyof Parameters, value);
  }
  if (out.predict === true && out.resume === '') {
    throw new ConfigError('predict is true but resume is empty: set resume to the model to predict with (a .pb, .onnx or a cyclegan checkpoint)');
  }
  return Object.freeze(out) as unknown as Readonly<Parameters>;
}

/** Parameters whose value differs from the default, for the run log (like the reference's print_options). */
export function changedParameters(p: Readonly<Parameters>): Partial<Parameters> {
  const defaults = defaultParameters() as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(p).filter(([k, v]) => k !== 'threads' && defaults[k] !== v)) as Partial<Parameters>;
}

/** The engine's convolution precision for the `precision` parameter (the spec-style fp32/bf16 names). */
export function convolutionPrecisionOf(p: Pick<Parameters, 'precision'>): ConvolutionPrecision {
  return p.precision === 'bf16' ? 'bfloat16' : 'float32';
}
