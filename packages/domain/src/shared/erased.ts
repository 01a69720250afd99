/**
 * What a personal-data field reads as once its customer was erased (crypto-shredded): in events,
 * ticket states, timelines and commands alike. A string, so every field keeps its type.
 */
export const ERASED = '[erased]';

export const isErased = (value: unknown): boolean => value === ERASED;
