/** SQLSTATE classes and codes that mean "the database cannot serve right now", not "the query is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-4]|53300|55000)/; // connection exceptions, shutdowns, too many connections, not accepting connections
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|not currently accepting connections|terminating connection|Client has encountered a connection error|Connection is closed/i;

/** True when an error from pg/TypeORM says the database is unreachable or refusing work (retry later). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_MESSAGE.test(code)))
      return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    current =
      (current as { driverError?: unknown; cause?: unknown }).driverError ??
      (current as { cause?: unknown }).cause;
  }
  return false;
}
