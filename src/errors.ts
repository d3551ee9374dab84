/** Where a bad input came from: which message of which input. */
export interface InputLocation {
  readonly index?: number;
  readonly messageId?: string | null;
  readonly source?: string;
}

/** Input that cannot be read: recorded in the report's `errors[]`, and the run goes on. */
export class InputError extends Error {
  readonly location: InputLocation;
  constructor(message: string, location: InputLocation = {}) {
    super(message);
    this.name = 'InputError';
    this.location = location;
  }
}

/** A configuration file that does not validate. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'ConfigError';
  }
}
