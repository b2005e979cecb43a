import { IAspect } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';

/** FARGATE only in production; elsewhere one FARGATE task as a base and the rest mostly on FARGATE_SPOT. */
export function defaultCapacityProviderStrategy(production: boolean): ecs.CapacityProviderStrategy[] {
  if (production) {
    return [{ capacityProvider: 'FARGATE', weight: 1 }];
  }
  return [
    { capacityProvider: 'FARGATE', base: 1, weight: 1 },
    { capacityProvider: 'FARGATE_SPOT', weight: 4 },
  ];
}

/** Makes `service` depend on the cluster's capacity-provider association once aws-cdk-lib has created it. */
export class DependOnCapacityProviderAssociations implements IAspect {
  constructor(private readonly service: ecs.CfnService) {}

  public visit(node: IConstruct): void {
    if (node instanceof ecs.CfnClusterCapacityProviderAssociations) {
      this.service.addDependency(node);
    }
  }
}
