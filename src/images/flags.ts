/**
 * A small pflag-style flag parser for the built-in programs: `--name=value`, `--name value`,
 * `-name value` (Go's flag package, as coredns uses), and bare `--flag` for booleans.
 */
export interface FlagSpec {
  [name: string]: 'string' | 'number' | 'boolean';
}

export type FlagValues = Record<string, string | number | boolean>;

function parseValue(program: string, name: string, kind: FlagSpec[string], raw: string): string | number | boolean {
  if (kind === 'string') return raw;
  if (kind === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new Error(`${program}: Invalid value "${raw}" for flag --${name}: expected true or false`);
  }
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${program}: Invalid value "${raw}" for flag --${name}: expected an integer`);
  return n;
}

/** Parses `args` against `spec`, starting from `defaults`; unknown flags are errors naming the flag. */
export function parseFlags(program: string, args: readonly string[], spec: FlagSpec, defaults: FlagValues): FlagValues {
  const out: FlagValues = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) throw new Error(`${program}: Unexpected argument "${arg}"`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const kind = spec[name];
    if (!kind) throw new Error(`${program}: Unknown flag "--${name}"`);
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (kind === 'boolean') raw = 'true';
    else if (i + 1 < args.length) raw = args[++i];
    else throw new Error(`${program}: Flag --${name} needs a value`);
    out[name] = parseValue(program, name, kind, raw);
  }
  return out;
}
