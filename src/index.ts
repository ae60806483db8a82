export * from './pipeline';
export * from './selective-retry';
