/**
 * Prints one line per scenario with what it measured (`<subject>: <scenario>: key value, …`) on stderr,
 * where a Jest run keeps it for the run's record.
 */
export function figuresReporter(subject: string) {
  return (scenario: string, figures: Record<string, number | string>): void => {
    process.stderr.write(
      `${subject}: ${scenario}: ${Object.entries(figures)
        .map(([key, value]) => `${key} ${value}`)
        .join(', ')}\n`,
    );
  };
}
