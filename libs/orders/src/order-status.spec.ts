import {
  ALLOWED_TRANSITIONS,
  CANCELLABLE_STATUSES,
  canTransition,
  NON_TERMINAL_STATUSES,
  ORDER_STATUSES,
  TERMINAL_STATUSES,
  type OrderStatus,
} from './order-status';

/** The lifecycle's order: a move may only go to a later status. */
const RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  INVENTORY_RESERVED: 1,
  PAID: 2,
  SHIPPED: 3,
  COMPLETED: 4,
  FAILED: 4,
  CANCELLED: 4,
};

const EVERY_MOVE = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

describe('order lifecycle', () => {
  it('lists exactly these allowed moves', () => {
    expect(EVERY_MOVE.filter(([from, to]) => canTransition(from, to))).toEqual([
      ['PENDING', 'INVENTORY_RESERVED'],
      ['PENDING', 'FAILED'],
      ['PENDING', 'CANCELLED'],
      ['INVENTORY_RESERVED', 'PAID'],
      ['INVENTORY_RESERVED', 'FAILED'],
      ['INVENTORY_RESERVED', 'CANCELLED'],
      ['PAID', 'SHIPPED'],
      ['PAID', 'FAILED'],
      ['PAID', 'CANCELLED'],
      ['SHIPPED', 'COMPLETED'],
      ['SHIPPED', 'FAILED'],
    ]);
  });

  it.each(EVERY_MOVE.filter(([from, to]) => RANK[to] <= RANK[from]))(
    'refuses the move %s → %s (backward, sideways or staying put)',
    (from, to) => {
      expect(canTransition(from, to)).toBe(false);
    },
  );

  it.each(TERMINAL_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const)))(
    'never leaves the final status %s (not even to %s)',
    (from, to) => {
      expect(ALLOWED_TRANSITIONS[from]).toEqual([]);
      expect(canTransition(from, to)).toBe(false);
    },
  );

  it.each(EVERY_MOVE.filter(([from, to]) => ALLOWED_TRANSITIONS[from].includes(to)))(
    'allows the move %s → %s, which goes forward',
    (from, to) => {
      expect(canTransition(from, to)).toBe(true);
      expect(RANK[to]).toBeGreaterThan(RANK[from]);
    },
  );

  it('lets every unfinished order fail, and none be cancelled once shipped', () => {
    for (const status of NON_TERMINAL_STATUSES) expect(canTransition(status, 'FAILED')).toBe(true);
    expect(canTransition('SHIPPED', 'CANCELLED')).toBe(false);
  });

  it('splits the statuses into unfinished and final ones', () => {
    expect([...NON_TERMINAL_STATUSES].sort()).toEqual(['INVENTORY_RESERVED', 'PAID', 'PENDING', 'SHIPPED']);
    expect([...NON_TERMINAL_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('accepts a cancellation only before shipping, from exactly the statuses that may move to CANCELLED', () => {
    expect([...CANCELLABLE_STATUSES].sort()).toEqual(['INVENTORY_RESERVED', 'PAID', 'PENDING']);
    expect(ORDER_STATUSES.filter((status) => canTransition(status, 'CANCELLED')).sort()).toEqual(
      [...CANCELLABLE_STATUSES].sort(),
    );
  });
});
