import { Injectable } from '@nestjs/common';

/** Produces one section of `/debug/vars`: plain JSON-serialisable state, no secrets, no personal data. */
export type DebugVarsSection = () => unknown;

/** The path of the debug view on the management (metrics) port. */
export const DEBUG_VARS_PATH = '/debug/vars';

/**
 * What a component wants an operator to see at a glance on the management port, beside `/metrics`: the
 * counterpart of Go's expvar `/debug/vars`. Components register a named section; `GET /debug/vars`
 * answers `{ "<name>": <section>, … }`, each section computed on request.
 */
@Injectable()
export class DebugVars {
  private readonly sections = new Map<string, DebugVarsSection>();

  register(name: string, section: DebugVarsSection): void {
    this.sections.set(name, section);
  }

  async snapshot(): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      [...this.sections].map(async ([name, section]) => {
        try {
          return [name, await section()] as const;
        } catch (error) {
          return [name, { error: error instanceof Error ? error.message : String(error) }] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
