/** The spec's well-known error codes (1-99 are the spec's; 100 and up are a plugin's own). */
export const cniCodes = Object.freeze({
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** STATUS (1.1.0): the plugin cannot serve ADD now. */
  notAvailable: 50,
  /** trellis's own: the agent's Mesos half has no free address. */
  addressesExhausted: 100,
});

/** An error as the plugin prints it: `{ cniVersion, code, msg, details }` on stdout. */
export class CniFailure {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details = '',
  ) {}

  output(cniVersion: string): string {
    const body = {
      cniVersion,
      code: this.code,
      msg: this.msg,
      ...(this.details === '' ? {} : { details: this.details }),
    };
    return `${JSON.stringify(body)}\n`;
  }
}
