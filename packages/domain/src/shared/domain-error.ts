/** Expected business failures are values: a code that survives crossing processes, and a message. */
export type DomainErrorCode = 'TICKET.NOT_FOUND' | 'TICKET.ALREADY_EXISTS' | 'TICKET.WRONG_CUSTOMER';

export interface DomainError {
  readonly code: DomainErrorCode;
  readonly message: string;
  /** The input field at fault, as a path (`data.ticketId`). */
  readonly field?: string;
}

export const domainError = (code: DomainErrorCode, message: string, field?: string): DomainError =>
  field === undefined ? { code, message } : { code, message, field };
