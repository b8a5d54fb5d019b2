// A loose argv split for scripts: every `--key value` kept as a string, unchecked (the CLIs use the
// table-driven parseOptions in cli/args.ts; resolveConfig checks what this returns).

/** Parse `--key value`, `--key=value`, `--flag`, kebab-case or camelCase. */
export function parseArgs(argv: readonly string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    let [k, v] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    k = k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (v === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        v = next;
        i++;
      } else v = 'true';
    }
    flags[k] = v;
  }
  return { flags, positional };
}
