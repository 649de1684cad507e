/** Relation-interface libraries, requirer side (plus small provider helpers). */
export * from './data-interfaces';
export * from './client-requirer';
export * from './kafka-client';
export * from './connect-client';
export * from './providers';
export * from './certificate-transfer';
export * from './values';
