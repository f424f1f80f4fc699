import test from 'ava';
import { ConfigProblems } from '@trellis/runtime';
import { parseDockerSection } from '../src/config/docker-config.js';
import { containerTask, dockerTaskId } from '../src/docker/docker-containers.js';
import {
  createBody,
  differences,
  dockerNetworkSpec,
  parseInspected,
} from '../src/docker/docker-network-spec.js';

/** The pure parts of Docker's half: the network we want, what Docker says, the task of a container. */
const local = { dockerSubnet: '9.0.5.128/25' } as Parameters<typeof dockerNetworkSpec>[1];

test('the network spec: Docker half, its first address as gateway, d-<overlay>, VTEP MTU, no masquerade', (t) => {
  const spec = dockerNetworkSpec('dcos', local, 1450);
  t.deepEqual(spec, {
    name: 'dcos',
    bridge: 'd-dcos',
    subnet: '9.0.5.128/25',
    gateway: '9.0.5.129',
    mtu: 1450,
  });
  t.like(createBody(spec), {
    Name: 'dcos',
    Driver: 'bridge',
    IPAM: { Config: [{ Subnet: '9.0.5.128/25', Gateway: '9.0.5.129' }] },
    Options: {
      'com.docker.network.bridge.name': 'd-dcos',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.driver.mtu': '1450',
    },
    Labels: { 'trellis.overlay': 'dcos' },
  });
});

test('an inspected network equal to the spec has no differences; a changed slice has', (t) => {
  const spec = dockerNetworkSpec('dcos', local, 1450);
  const inspected = parseInspected({
    Id: 'abc',
    Labels: { 'trellis.overlay': 'dcos' },
    IPAM: { Config: [{ Subnet: '9.0.5.128/25', Gateway: '9.0.5.129' }] },
    Options: {
      'com.docker.network.bridge.name': 'd-dcos',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.driver.mtu': '1450',
    },
    Containers: { c1: { IPv4Address: '9.0.5.130/25' } },
  })!;
  t.deepEqual(differences(spec, inspected), []);
  t.deepEqual([...inspected.containers], [['c1', '9.0.5.130']]);
  const moved = dockerNetworkSpec('dcos', { dockerSubnet: '9.0.7.128/25' } as typeof local, 1450);
  t.deepEqual(differences(moved, inspected), [
    'subnet 9.0.5.128/25 -> 9.0.7.128/25',
    'gateway 9.0.5.129 -> 9.0.7.129',
  ]);
});

test('whatever a daemon answers, parsing never throws', (t) => {
  for (const body of [
    undefined,
    null,
    'text',
    42,
    [],
    {},
    { Id: 1 },
    { Id: 'x', IPAM: null, Containers: null },
  ])
    t.notThrows(() => parseInspected(body));
  t.is(parseInspected({ Id: 7 }), undefined);
  t.notThrows(() =>
    containerTask(
      { Id: 'a', Name: '/x', NetworkSettings: { Networks: null } },
      new Set(['dcos']),
      '10.0.0.1',
    ),
  );
  t.is(containerTask('garbage', new Set(['dcos']), '10.0.0.1'), undefined);
});

test("a container's task: its labels or its name, its address on each overlay network only", (t) => {
  const id = 'f'.repeat(64);
  const body = {
    Id: id,
    Name: '/web-1',
    Config: { Labels: { 'trellis.framework': 'shop' } },
    NetworkSettings: { Networks: { dcos: { IPAddress: '9.0.5.130' }, bridge: { IPAddress: '172.17.0.2' } } },
  };
  t.deepEqual(containerTask(body, new Set(['dcos']), '10.0.0.1'), {
    id: dockerTaskId(id),
    name: 'web-1',
    framework: 'shop',
    agentIp: '10.0.0.1',
    networks: [{ name: 'dcos', ipv4: '9.0.5.130' }],
  });
  t.is(
    containerTask({ ...body, NetworkSettings: { Networks: { bridge: {} } } }, new Set(['dcos']), '10.0.0.1'),
    undefined,
  );
});

test('the docker config section: defaults, and every problem reported', (t) => {
  const ok = new ConfigProblems();
  t.deepEqual(parseDockerSection({}, ok), { socket: '/var/run/docker.sock', resyncIntervalMs: 30_000 });
  const bad = new ConfigProblems();
  t.is(parseDockerSection({ socket: 'docker.sock', resyncIntervalMs: 5, other: 1 }, bad), undefined);
  t.deepEqual(bad.list.map((p) => p.path).sort(), [
    'docker.other',
    'docker.resyncIntervalMs',
    'docker.socket',
  ]);
  t.is(parseDockerSection(undefined, new ConfigProblems()), undefined);
});
