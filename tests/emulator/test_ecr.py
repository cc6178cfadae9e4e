"""Amazon ECR through botocore: repositories, settings, tags, the errors
berth depends on (already exists, not found, not empty) and the tagging
API's view of them."""

from emutest import EmulatorTestCase


class EcrTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.ecr = self.client('ecr')

    def test_lifecycle(self):
        repo = self.ecr.create_repository(
            repositoryName='team/app', tags=[{'Key': 'berth:stack', 'Value': 'demo'}],
            imageScanningConfiguration={'scanOnPush': True})['repository']
        self.assertEqual(repo['repositoryArn'],
                         'arn:aws:ecr:us-west-2:123456789012:repository/team/app')
        self.assertEqual(repo['repositoryUri'],
                         '123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app')
        self.assertEqual(repo['imageTagMutability'], 'MUTABLE')
        self.assertEqual(repo['imageScanningConfiguration'], {'scanOnPush': True})
        self.assertEqual(repo['encryptionConfiguration'], {'encryptionType': 'AES256'})
        self.assertAwsError('RepositoryAlreadyExistsException', self.ecr.create_repository,
                            repositoryName='team/app')
        self.assertAwsError('InvalidParameterException', self.ecr.create_repository,
                            repositoryName='Upper')

        self.ecr.put_image_tag_mutability(repositoryName='team/app',
                                          imageTagMutability='IMMUTABLE')
        self.ecr.put_image_scanning_configuration(
            repositoryName='team/app', imageScanningConfiguration={'scanOnPush': False})
        got = self.ecr.describe_repositories(repositoryNames=['team/app'])['repositories']
        self.assertEqual(got[0]['imageTagMutability'], 'IMMUTABLE')
        self.assertEqual(got[0]['imageScanningConfiguration'], {'scanOnPush': False})
        self.assertAwsError('RepositoryNotFoundException', self.ecr.describe_repositories,
                            repositoryNames=['team/app', 'nope'])

        arn = repo['repositoryArn']
        self.ecr.tag_resource(resourceArn=arn, tags=[{'Key': 'owner', 'Value': 'me'}])
        self.ecr.untag_resource(resourceArn=arn, tagKeys=['berth:stack'])
        self.assertEqual(self.ecr.list_tags_for_resource(resourceArn=arn)['tags'],
                         [{'Key': 'owner', 'Value': 'me'}])
        self.assertAwsError('InvalidTagParameterException', self.ecr.tag_resource,
                            resourceArn=arn, tags=[{'Key': 'aws:x', 'Value': 'y'}])
        self.assertAwsError('InvalidParameterException', self.ecr.list_tags_for_resource,
                            resourceArn='arn:aws:sns:us-west-2:123456789012:topic')
        tagged = self.client('resourcegroupstaggingapi').get_resources(
            ResourceTypeFilters=['ecr:repository'])['ResourceTagMappingList']
        self.assertEqual([t['ResourceARN'] for t in tagged], [arn])

        self.ecr.put_image(repositoryName='team/app', imageManifest='{"layers": []}',
                           imageTag='1')
        self.assertAwsError('RepositoryNotEmptyException', self.ecr.delete_repository,
                            repositoryName='team/app')
        deleted = self.ecr.delete_repository(repositoryName='team/app', force=True)
        self.assertEqual(deleted['repository']['repositoryName'], 'team/app')
        self.assertAwsError('RepositoryNotFoundException', self.ecr.delete_repository,
                            repositoryName='team/app')
        self.assertAwsError('RepositoryNotFoundException', self.ecr.list_tags_for_resource,
                            resourceArn=arn)

    def test_pages(self):
        for name in ('a1', 'b2', 'c3'):
            self.ecr.create_repository(repositoryName=name)
        pager = self.ecr.get_paginator('describe_repositories')
        names = [r['repositoryName'] for page in pager.paginate()
                 for r in page['repositories']]
        self.assertEqual(names, ['a1', 'b2', 'c3'])
        self.assertAwsError('InvalidParameterException', self.ecr.describe_repositories,
                            repositoryNames=['a1'], maxResults=5)
