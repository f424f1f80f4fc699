import { ConfigError, ConfigProblems, TrellisError, type ConfigProblem } from '@trellis/runtime';
import type { FileRead } from './config-file.js';

/**
 * Files the config names could not be read for lack of permission: the config may be fine, the
 * agent runs as the wrong user (exit code 3). Every other problem is listed with them.
 */
export class ConfigAccessError extends TrellisError {
  override readonly name = 'ConfigAccessError';
  readonly code = 'ERR_TRELLIS_CONFIG_ACCESS';
  readonly problems: readonly ConfigProblem[];

  constructor(what: string, problems: readonly ConfigProblem[]) {
    super(
      `cannot read what the ${what} needs:\n${problems.map((q) => `  - ${q.path}: ${q.message}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

/** Config problems, plus whether any of them is a permission problem. */
export class FileProblems {
  readonly list = new ConfigProblems();
  #denied = false;
  readonly #failed = new Set<string>();

  add(path: string, message: string): void {
    this.#failed.add(path);
    this.list.add(path, message);
  }

  /** Records a failed read of `file` (named by the setting `path`); returns undefined. */
  file(path: string, file: string, read: Extract<FileRead, { ok: false }>): undefined {
    if (read.denied) this.#denied = true;
    this.add(path, `${file} ${read.message}`);
    return undefined;
  }

  content(path: string, message: string): undefined {
    this.add(path, message);
    return undefined;
  }

  failed(path: string): boolean {
    return this.#failed.has(path);
  }

  /** ConfigAccessError when a permission problem is among them, else ConfigError. */
  throwIfAny(what: string): void {
    if (this.list.count === 0) return;
    if (this.#denied) throw new ConfigAccessError(what, this.list.list.slice());
    throw new ConfigError(what, this.list.list.slice());
  }
}
