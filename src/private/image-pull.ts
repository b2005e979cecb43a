import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from './nag';

/**
 * `repository.grantPull(grantee)`, acknowledging the one wildcard it brings:
 * ecr:GetAuthorizationToken has no resource-level permissions.
 */
export function grantImagePull(repository: ecr.IRepository, grantee: iam.IGrantable): iam.Grant {
  const grant = repository.grantPull(grantee);
  const principal = grantee.grantPrincipal;
  if (Construct.isConstruct(principal)) {
    acknowledgeWildcards(principal, 'ecr:GetAuthorizationToken supports no resource-level permissions (Resource::*).', ['Resource::\\*']);
  }
  return grant;
}
