// Command-line options, table-driven: each CLI lists its options (camelCase name -> what it accepts),
// every value is checked against that, and any other flag or a stray word is an error with a "did you
// mean" spelled the way flags are typed (--batch-size).
import { ConfigError, closest, coerceOption, flagName, type OptionKind } from '../train/config.ts';

export type OptionSpec = Readonly<Record<string, OptionKind>>;

export class UsageError extends ConfigError {}

/**
 * Parse `--name value`, `--name=value` and bare boolean flags (`--overwrite`; `-h` is `--help`).
 * Names may be typed kebab-case or camelCase. Returns the given options, coerced, by camelCase name.
 */
export function parseOptions(command: string, argv: readonly string[], spec: OptionSpec): Record<string, unknown> {
  const byFlag = new Map(Object.keys(spec).map((k) => [flagName(k), k]));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] === '-h' ? '--help' : argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(
        `${command}: unexpected argument "${arg}" (options are --name value; see ${command} --help)`,
      );
    }
    const eq = arg.indexOf('=');
    const typed = eq < 0 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flagName(typed.slice(2)));
    if (!key) {
      const near = closest(
        typed.slice(2),
        [...byFlag.keys()].map((f) => f.slice(2)),
      );
      throw new UsageError(
        `${command}: unknown option ${typed}${near ? ` (did you mean --${near}?)` : ''}; see ${command} --help`,
      );
    }
    if (key in out) throw new UsageError(`${command}: ${typed} given twice`);
    const kind = spec[key];
    let value: unknown;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (kind === 'bool') {
      value = ['true', 'false', '1', '0'].includes(argv[i + 1]) ? argv[++i] : true;
    } else {
      if (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))
        throw new UsageError(`${command}: ${typed} needs a value`);
      value = argv[++i];
    }
    out[key] = coerceOption(typed, kind, value);
  }
  return out;
}
