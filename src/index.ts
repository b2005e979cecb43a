export * from './blue-green/hooks';
export * from './blue-green/smoke-test';
export * from './blue-green/traffic-shifting';
export * from './service/options';
export * from './service/blue-green-fargate-service';
export * from './service/service-dashboard';
