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
  const spec = dockerNetworkSpec('dcos', local, 1450)!;
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
  const spec = dockerNetworkSpec('dcos', local, 1450)!;
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
  const moved = dockerNetworkSpec('dcos', { dockerSubnet: '9.0.7.128/25' } as typeof local, 1450)!;
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

const local6 = { dockerSubnet: '9.0.5.128/25', dockerSubnet6: 'fd01:b:0:0:5:8000::/81' } as typeof local;

test('a dual-stack overlay: the network has IPv6 on and a second IPAM config, the IPv6 Docker half and its ::1', (t) => {
  const spec = dockerNetworkSpec('dcos', local6, 1450)!;
  t.like(spec, { subnet6: 'fd01:b:0:0:5:8000::/81', gateway6: 'fd01:b::5:8000:0:1' });
  t.like(createBody(spec), {
    EnableIPv6: true,
    IPAM: {
      Config: [
        { Subnet: '9.0.5.128/25', Gateway: '9.0.5.129' },
        { Subnet: 'fd01:b:0:0:5:8000::/81', Gateway: 'fd01:b::5:8000:0:1' },
      ],
    },
  });
  t.false('EnableIPv6' in createBody(dockerNetworkSpec('dcos', local, 1450)!), 'IPv4 only: no IPv6');
});

test('inspected dual-stack networks: configs by family, however Docker spells them; a changed IPv6 half differs', (t) => {
  const spec = dockerNetworkSpec('dcos', local6, 1450)!;
  const body = (v6: object[], enable = true) => ({
    Id: 'abc',
    Labels: { 'trellis.overlay': 'dcos' },
    EnableIPv6: enable,
    IPAM: { Config: [...v6, { Subnet: '9.0.5.128/25', Gateway: '9.0.5.129' }] },
    Options: {
      'com.docker.network.bridge.name': 'd-dcos',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.driver.mtu': '1450',
    },
    Containers: { c6: { IPv4Address: '', IPv6Address: 'fd01:b::5:8000:0:2/81' } },
  });
  const same = parseInspected(body([{ Subnet: 'fd01:b::5:8000:0:0/81', Gateway: 'FD01:B::5:8000:0:1' }]))!;
  t.deepEqual(differences(spec, same), []);
  t.deepEqual([...same.containers.keys()], ['c6'], 'a container with only an IPv6 address is attached');
  const moved = parseInspected(body([{ Subnet: 'fd01:b:0:0:7:8000::/81', Gateway: 'fd01:b::7:8000:0:1' }]))!;
  t.deepEqual(differences(spec, moved), [
    'subnet6 fd01:b:0:0:7:8000::/81 -> fd01:b:0:0:5:8000::/81',
    'gateway6 fd01:b::7:8000:0:1 -> fd01:b::5:8000:0:1',
  ]);
  t.deepEqual(differences(spec, parseInspected(body([], false))!), [
    'ipv6 off -> on',
    'subnet6 none -> fd01:b:0:0:5:8000::/81',
    'gateway6 none -> fd01:b::5:8000:0:1',
  ]);
  t.deepEqual(differences(dockerNetworkSpec('dcos', local, 1450)!, same), [
    'ipv6 on -> off',
    'subnet6 fd01:b::5:8000:0:0/81 -> none',
    'gateway6 FD01:B::5:8000:0:1 -> none',
  ]);
});

test("a container's task on a dual-stack network carries its GlobalIPv6Address", (t) => {
  const id = 'e'.repeat(64);
  const task = containerTask(
    {
      Id: id,
      Name: '/web6',
      NetworkSettings: {
        Networks: { dcos: { IPAddress: '9.0.5.130', GlobalIPv6Address: 'fd01:b::5:8000:0:2' } },
      },
    },
    new Set(['dcos']),
    '10.0.0.1',
  );
  t.deepEqual(task?.networks, [{ name: 'dcos', ipv4: '9.0.5.130', ipv6: 'fd01:b::5:8000:0:2' }]);
  const only6 = containerTask(
    {
      Id: id,
      Name: '/x',
      NetworkSettings: { Networks: { dcos: { IPAddress: '', GlobalIPv6Address: 'fd01:b::9' } } },
    },
    new Set(['dcos']),
    '10.0.0.1',
  );
  t.deepEqual(only6?.networks, [{ name: 'dcos', ipv6: 'fd01:b::9' }]);
});
