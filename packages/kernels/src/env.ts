// Environment switches (JEPA_TRACE, JEPA_WEBGPU_BACKEND, …): Node's process.env, absent in a browser.
export function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
