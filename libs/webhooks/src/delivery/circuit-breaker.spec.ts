import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker(3, 1_000, () => now);

  beforeEach(() => (now = 0));

  it('lets up to the concurrency through while closed', () => {
    const circuit = breaker();
    expect([circuit.allowance(0, 4), circuit.allowance(3, 4), circuit.allowance(4, 4)]).toEqual([4, 1, 0]);
  });

  it('opens after the threshold of consecutive failures; a success in between starts the count again', () => {
    const circuit = breaker();
    circuit.report(false);
    circuit.report(false);
    circuit.report(true);
    circuit.report(false);
    circuit.report(false);
    expect(circuit.state).toBe('closed');
    expect(circuit.report(false)).toBe(true);
    expect(circuit.state).toBe('open');
    expect(circuit.allowance(0, 4)).toBe(0);
    expect(circuit.probeAt).toBe(1_000);
  });

  it('lets one probe through after the cooldown: its success closes, its failure reopens', () => {
    const circuit = breaker();
    for (let i = 0; i < 3; i++) circuit.report(false);
    now = 999;
    expect(circuit.allowance(0, 4)).toBe(0);
    now = 1_000;
    expect(circuit.allowance(0, 4)).toBe(1);
    expect(circuit.state).toBe('half-open');
    expect(circuit.allowance(1, 4)).toBe(0); // the probe is in flight
    circuit.report(false);
    expect(circuit.state).toBe('open');
    expect(circuit.probeAt).toBe(2_000);
    now = 2_000;
    expect(circuit.allowance(0, 4)).toBe(1);
    circuit.report(true);
    expect([circuit.state, circuit.consecutiveFailures, circuit.allowance(0, 4)]).toEqual(['closed', 0, 4]);
  });
});
