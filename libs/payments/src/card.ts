export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'unknown';

export interface CardDetails {
  cardNumber: string;
  expiryMonth: number;
  expiryYear: number;
  cvv: string;
}

/** What may be kept about a card: never the full number, never the CVV. */
export interface CardSummary {
  brand: CardBrand;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
}

const BRAND_PATTERNS: ReadonlyArray<[CardBrand, RegExp]> = [
  ['visa', /^4/],
  ['mastercard', /^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/],
  ['amex', /^3[47]/],
  ['discover', /^(6011|65|64[4-9])/],
];

export function cardBrandOf(cardNumber: string): CardBrand {
  return BRAND_PATTERNS.find(([, pattern]) => pattern.test(cardNumber))?.[0] ?? 'unknown';
}

export function summarizeCard(card: CardDetails): CardSummary {
  return {
    brand: cardBrandOf(card.cardNumber),
    last4: card.cardNumber.slice(-4),
    expiryMonth: card.expiryMonth,
    expiryYear: card.expiryYear,
  };
}

/** True when the card's expiry month has fully passed at `now`. */
export function isCardExpired(expiryMonth: number, expiryYear: number, now = new Date()): boolean {
  const year = now.getUTCFullYear();
  return expiryYear < year || (expiryYear === year && expiryMonth < now.getUTCMonth() + 1);
}
