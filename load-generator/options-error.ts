/** A bad flag or option value; the message is one line meant for the user. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}
