#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for meridiand with chosen tracking and source values, for the Synchronization
page's tests while the real daemon does not poll NTP yet. It owns org.meridian.Time1 on the
bus in DBUS_SYSTEM_BUS_ADDRESS and exports, from dbus/org.meridian.Time1.xml itself, the
Time1 and Tracking interfaces at /org/meridian/Time1, Sources, and an ObjectManager with one
object per source at /org/meridian/Time1/sources/N.

Usage: mock_meridiand.py STATE.json   where STATE is
  {"time1": {prop: value}, "tracking": {prop: value}, "sources": [{prop: value}, ...]}
Control (interface org.meridian.Test at /org/meridian/Time1):
  SetTracking(s json)  update tracking properties and announce them (PropertiesChanged) as
                       meridiand does: only those not marked EmitsChangedSignal "false" in
                       dbus/org.meridian.Time1.xml (the others a client must read again)
  SetSource(u n, s json)  the same for the source object /org/meridian/Time1/sources/N
                       (SelectionState, the measured figures and Reach are not announced)
  Calls() -> s json    the Sources methods called so far
Every property of dbus/org.meridian.Time1.xml's interfaces is exported; one STATE leaves out
reads as zero or "" (a Source's SelectionState "" as from a meridiand older than it).
"""

import json
import os
import sys

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib

SRC = os.environ.get('MERIDIAN_SOURCE_ROOT', os.path.join(os.path.dirname(__file__), '..', '..'))
NODE = Gio.DBusNodeInfo.new_for_xml(open(os.path.join(SRC, 'dbus', 'org.meridian.Time1.xml')).read())
IFACES = {i.name: i for i in NODE.interfaces}
PATH = '/org/meridian/Time1'
TEST = Gio.DBusNodeInfo.new_for_xml('''<node><interface name="org.meridian.Test">
  <method name="SetTracking"><arg name="json" type="s" direction="in"/></method>
  <method name="SetSource"><arg name="n" type="u" direction="in"/>
    <arg name="json" type="s" direction="in"/></method>
  <method name="Calls"><arg name="json" type="s" direction="out"/></method>
</interface></node>''').interfaces[0]
OM = Gio.DBusNodeInfo.new_for_xml('''<node><interface name="org.freedesktop.DBus.ObjectManager">
  <method name="GetManagedObjects"><arg type="a{oa{sa{sv}}}" direction="out"/></method>
  <signal name="InterfacesAdded"><arg type="o"/><arg type="a{sa{sv}}"/></signal>
  <signal name="InterfacesRemoved"><arg type="o"/><arg type="as"/></signal>
</interface></node>''').interfaces[0]


def announced(iface, prop):
    info = IFACES[iface].lookup_property(prop)
    return Gio.DBusAnnotationInfo.lookup(info.annotations,
                                         'org.freedesktop.DBus.Property.EmitsChangedSignal') != 'false'


def variant(iface, prop, value):
    sig = IFACES[iface].lookup_property(prop).signature
    return GLib.Variant(sig, value)


class Mock:
    def __init__(self, state):
        self.props = {
            'org.meridian.Time1': dict({'Timezone': 'UTC', 'LocalRTC': False, 'CanNTP': True,
                                        'NTP': True, 'NTPSynchronized': False,
                                        'TimeUSec': GLib.get_real_time(), 'RTCTimeUSec': 0},
                                       **state.get('time1', {})),
            'org.meridian.Time1.Tracking': dict(state.get('tracking', {})),
        }
        self.sources = {}
        for i, s in enumerate(state.get('sources', [])):
            self.sources[f'{PATH}/sources/{i}'] = s
        self.calls = []
        self.loop = GLib.MainLoop()

    def full(self, iface, values):
        out = {}
        for p in IFACES[iface].properties:
            if p.name in values:
                out[p.name] = variant(iface, p.name, values[p.name])
            else:
                zero = {'s': '', 'b': False, 'y': 0, 'n': 0, 'u': 0, 't': 0, 'd': 0.0,
                        'as': [], 'ao': [], 'x': 0, 'i': 0, 'q': 0, 'h': 0, 'o': '/',
                        '(ttttttt)': (0,) * 7}[p.signature]
                out[p.name] = GLib.Variant(p.signature, zero)
        return out

    def on_get(self, conn, sender, path, iface, prop):
        values = self.sources[path] if path != PATH else self.props.get(iface, {})
        if iface == 'org.meridian.Time1' and prop == 'TimeUSec':
            return GLib.Variant('t', GLib.get_real_time())
        return self.full(iface, values)[prop]

    def on_call(self, conn, sender, path, iface, method, params, inv):
        if iface == 'org.freedesktop.DBus.ObjectManager':
            objs = {p: {'org.meridian.Time1.Source': self.full('org.meridian.Time1.Source', v)}
                    for p, v in self.sources.items()}
            inv.return_value(GLib.Variant('(a{oa{sa{sv}}})', (objs,)))
            return
        if iface == 'org.meridian.Test':
            if method in ('SetTracking', 'SetSource'):
                if method == 'SetTracking':
                    changes = json.loads(params.unpack()[0])
                    where, name = PATH, 'org.meridian.Time1.Tracking'
                    values = self.props[name]
                else:
                    n, text = params.unpack()
                    changes = json.loads(text)
                    where, name = f'{PATH}/sources/{n}', 'org.meridian.Time1.Source'
                    values = self.sources[where]
                values.update(changes)
                told = {k: variant(name, k, v) for k, v in changes.items() if announced(name, k)}
                # As meridiand: nothing announced, no signal (a client has to read again).
                if told:
                    conn.emit_signal(None, where, 'org.freedesktop.DBus.Properties',
                                     'PropertiesChanged', GLib.Variant('(sa{sv}as)', (name, told, [])))
                inv.return_value(None)
            else:
                inv.return_value(GLib.Variant('(s)', (json.dumps(self.calls),)))
            return
        self.calls.append([method, params.unpack()])
        if method == 'AddSource':
            inv.return_value(GLib.Variant('(o)', (f'{PATH}/sources/99',)))
        elif method == 'ListCountryZones' or method == 'ListZones':
            inv.return_value(GLib.Variant('(a(sasasddsis))' if method == 'ListCountryZones'
                                          else '(a(sasasdds))', ([],)))
        elif method == 'DescribeZone':
            inv.return_value(GLib.Variant('(ibsxibs)', (0, False, 'UTC', 0, 0, False, 'UTC')))
        else:
            inv.return_value(None)

    def run(self):
        conn = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
        for name in ('org.meridian.Time1', 'org.meridian.Time1.Tracking', 'org.meridian.Time1.Sources'):
            conn.register_object(PATH, IFACES[name], self.on_call, self.on_get)
        conn.register_object(PATH, TEST, self.on_call)
        conn.register_object(PATH, OM, self.on_call)
        for p in self.sources:
            conn.register_object(p, IFACES['org.meridian.Time1.Source'], self.on_call, self.on_get)
        Gio.bus_own_name_on_connection(conn, 'org.meridian.Time1', Gio.BusNameOwnerFlags.NONE,
                                       None, lambda *a: sys.exit('lost the name'))
        self.loop.run()


if __name__ == '__main__':
    Mock(json.load(open(sys.argv[1]))).run()
