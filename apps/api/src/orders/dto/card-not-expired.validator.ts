import { isCardExpired } from '@app/payments';
import {
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

/** Placed on `expiryYear`: the card must not have expired (month and year together). */
@ValidatorConstraint({ name: 'cardNotExpired' })
export class CardNotExpired implements ValidatorConstraintInterface {
  validate(expiryYear: unknown, args: ValidationArguments): boolean {
    const month = (args.object as { expiryMonth?: unknown }).expiryMonth;
    if (typeof expiryYear !== 'number' || typeof month !== 'number') return true; // reported by type checks
    return !isCardExpired(month, expiryYear);
  }

  defaultMessage(): string {
    return 'the card has expired';
  }
}
