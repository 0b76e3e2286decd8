// SPDX-License-Identifier: GPL-3.0-or-later
// ts-lt.cpp: libtorrent-rasterbar 2.0 behind the plain C API of ts-lt.h.
//
// Rules kept throughout:
//  - no C++ exception crosses the C boundary: every entry point catches;
//  - the main thread never calls a blocking handle accessor (status(),
//    torrent_file(), have_piece() ...): metadata and piece maps come from
//    alerts and from the statuses of state_update_alert;
//  - errors are malloc()ed sentences a person can read.
//
// libtorrent 2.0.8 has no torrent_handle::post_status() nor
// post_file_progress() (later versions do), so both are built on
// session::post_torrent_updates() and the newest status cached per torrent.

#include "ts-lt.h"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/fingerprint.hpp>
#include <libtorrent/io_context.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/load_torrent.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/version.hpp>
#include <libtorrent/write_resume_data.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <strings.h>

struct _TsLtAddParams
{
  lt::add_torrent_params p;
};

struct _TsLtTorrent
{
  TsLtSession *session = nullptr;
  lt::torrent_handle handle;
  std::string info_hash;
  std::string name;
  std::string save_path;
  std::shared_ptr<const lt::torrent_info> ti;
  std::vector<std::string> file_paths; // file_path() returns by value
  std::vector<uint8_t> initial_priorities;
  void *user_data = nullptr;
  std::atomic<bool> removed { false }; // also read by have_range() on a worker
  // The newest status seen answers post_status()/post_file_progress() for
  // a torrent that did not change since (libtorrent only reports changes).
  lt::torrent_status last;
  bool has_last = false;
  bool want_status = false;
  bool want_file_progress = false;
};

namespace {

struct AddRequest
{
  uint64_t cookie;
  // libtorrent moves these into the torrent before it copies the params
  // into add_torrent_alert.
  std::vector<uint8_t> file_priorities;
};

} // namespace

struct _TsLtSession
{
  std::unique_ptr<lt::session> ses;
  TsLtNotifyFunc notify = nullptr;
  void *notify_data = nullptr;
  bool notify_attached = false;
  // operator< on handles compares the weak pointers' owners: no call into
  // libtorrent, and still valid once the torrent is gone.
  std::map<lt::torrent_handle, TsLtTorrent *> torrents;
  // Adds in flight; add_torrent_params::userdata points at the request.
  std::map<AddRequest const *, std::unique_ptr<AddRequest>> pending;
  // Adds that failed before reaching libtorrent, answered at the next pop.
  std::vector<std::pair<uint64_t, std::string>> failed_adds;
  bool popping = false;
};

namespace {

// How much later than the last new deadline the pieces in flight are due
// when they get one only to keep their requests: far enough that
// libtorrent's deadline pass does not hurry them.
constexpr int keep_in_flight_ms = 10000;

constexpr lt::status_flags_t status_flags = lt::torrent_handle::query_pieces
                                            | lt::torrent_handle::query_name
                                            | lt::torrent_handle::query_torrent_file;

// Runs @f, swallowing any exception: for calls whose failure leaves
// nothing for the caller to do.
template <typename F>
void
guard (F &&f) noexcept
{
  try
    {
      f ();
    }
  catch (...)
    {
    }
}

// Runs @f, turning any exception into @fallback.
template <typename R, typename F>
R
guard (R fallback, F &&f) noexcept
{
  try
    {
      return f ();
    }
  catch (...)
    {
      return fallback;
    }
}

TsLtAddParams *
fail (char **error, std::string const &message)
{
  if (error)
    *error = strdup (message.c_str ());
  return nullptr;
}

std::string
hash_hex (lt::info_hash_t const &ih)
{
  static char const digits[] = "0123456789abcdef";
  std::string out;
  auto const append = [&out] (auto const &hash) {
    for (auto const c : hash)
      {
        out += digits[static_cast<unsigned char> (c) >> 4];
        out += digits[static_cast<unsigned char> (c) & 0xf];
      }
  };

  if (ih.has_v1 ())
    append (ih.v1);
  else if (ih.has_v2 ())
    append (ih.v2);
  return out;
}

lt::info_hash_t
params_hashes (lt::add_torrent_params const &p)
{
  return p.ti ? p.ti->info_hashes () : p.info_hashes;
}

// "1.2.3.4:5" or "[::1]:5"; a bare IPv6 address is ambiguous.
bool
parse_endpoint (const char *ip_port, lt::tcp::endpoint *out)
{
  if (!ip_port)
    return false;

  std::string const s (ip_port);
  std::string::size_type colon;
  std::string host;

  if (!s.empty () && s[0] == '[')
    {
      colon = s.find ("]:");
      if (colon == std::string::npos)
        return false;
      host = s.substr (1, colon - 1);
      colon++;
    }
  else
    {
      colon = s.find (':');
      if (colon == std::string::npos || s.find (':', colon + 1) != std::string::npos)
        return false;
      host = s.substr (0, colon);
    }

  std::string const port = s.substr (colon + 1);
  if (port.empty () || port.size () > 5
      || !std::all_of (port.begin (), port.end (), [] (char c) { return c >= '0' && c <= '9'; }))
    return false;
  long const p = std::strtol (port.c_str (), nullptr, 10);
  lt::error_code ec;
  lt::address const addr = lt::make_address (host, ec);
  if (ec || p < 1 || p > 65535)
    return false;
  *out = lt::tcp::endpoint (addr, static_cast<unsigned short> (p));
  return true;
}

// libtorrent exempts peers on local networks from rate limits by putting
// them in the "local" peer class instead of the global one.  Rebuild that
// default, or put every address in the global class to limit them too.
lt::ip_filter
peer_class_filter (bool limit_local)
{
  auto const global = 1u << static_cast<std::uint32_t> (lt::session::global_peer_class_id);
  auto const local = 1u << static_cast<std::uint32_t> (lt::session::local_peer_class_id);
  static char const *const local_ranges[][2] = {
    { "10.0.0.0", "10.255.255.255" },   { "172.16.0.0", "172.31.255.255" },
    { "192.168.0.0", "192.168.255.255" }, { "169.254.0.0", "169.254.255.255" },
    { "127.0.0.0", "127.255.255.255" }, { "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
    { "::1", "::1" },
  };
  lt::ip_filter f;

  f.add_rule (lt::make_address ("0.0.0.0"), lt::make_address ("255.255.255.255"), global);
  f.add_rule (lt::make_address ("::"),
              lt::make_address ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), global);
  if (!limit_local)
    for (auto const &r : local_ranges)
      f.add_rule (lt::make_address (r[0]), lt::make_address (r[1]), local);
  return f;
}

lt::settings_pack
make_settings (TsLtSettings const *s)
{
  lt::settings_pack const defaults = lt::default_settings ();
  lt::settings_pack p;
  using sp = lt::settings_pack;

  // Only what the shim translates: no tracker, peer or port-mapping
  // chatter.  (Peer alerts would tell a caller that stopped polling a quiet
  // seed about a new peer at once, but every failed connection attempt
  // wakes it too: a seed's caller polls now and then instead.)
  p.set_int (sp::alert_mask, lt::alert_category::error | lt::alert_category::status
                             | lt::alert_category::storage | lt::alert_category::piece_progress
                             | lt::alert_category::file_progress);
  p.set_str (sp::user_agent, "TorrentStream/0.1");
  p.set_str (sp::peer_fingerprint, lt::generate_fingerprint ("TS", 0, 1, 0, 0));
  // Several peers behind one address are normal on loopback and behind NAT.
  p.set_bool (sp::allow_multiple_connections_per_ip, true);
  // A stalled request stalls playback: give up on a slow peer sooner than
  // the default 60 s so the deadline picker asks another one.
  p.set_int (sp::request_timeout, 10);
  // Streaming wants throughput and pieces on time, so connect out over TCP,
  // as many clients do.  uTP's congestion control (LEDBAT) is made to give
  // way to other traffic, libtorrent 2.0's uTP falls far behind TCP on fast
  // links, and a first attempt over uTP to a peer without it waits out a
  // 3 s timeout before trying TCP.  Peers that come to us over uTP are still
  // accepted, without throttling TCP in their favour (peer_proportional
  // would cap a fast TCP seed as soon as a few uTP peers join).
  p.set_bool (sp::enable_outgoing_utp, false);
  p.set_bool (sp::enable_incoming_utp, true);
  p.set_int (sp::mixed_mode_algorithm, sp::prefer_tcp);

  if (s->listen_interfaces && *s->listen_interfaces)
    p.set_str (sp::listen_interfaces, s->listen_interfaces);
  p.set_str (sp::outgoing_interfaces, s->outgoing_interfaces ? s->outgoing_interfaces : "");
  p.set_int (sp::download_rate_limit, std::max (0, s->download_rate_limit));
  p.set_int (sp::upload_rate_limit, std::max (0, s->upload_rate_limit));
  // "0 = default" is written out so that a live change back to 0 restores it.
  p.set_int (sp::connections_limit, s->connections_limit > 0
                                        ? s->connections_limit
                                        : defaults.get_int (sp::connections_limit));
  // The tick hands out rate-limit quota and times uTP resends: keep the
  // default while anything transfers.  Idle, every tick is a wake-up for
  // nothing; libtorrent wants at least one a second.  Disk threads each poll
  // once a second until libtorrent's reaper ends them (one to two minutes
  // idle): keep one.
  p.set_int (sp::tick_interval, s->tick_interval_ms > 0 ? s->tick_interval_ms
                                : s->idle ? 1000
                                          : defaults.get_int (sp::tick_interval));
  p.set_int (sp::aio_threads, s->idle ? 1 : defaults.get_int (sp::aio_threads));
  // Pages of a memory-mapped file count in our RSS for as long as it stays
  // mapped: close the least recently used file every few seconds (without
  // stalling its disk jobs), so a long download does not look like
  // gigabytes of memory.  Periodic resume saves no longer do it (below).
  p.set_int (sp::close_file_interval, 10);
  // A web seed gets at most this much per request (default 16 MiB, often
  // the whole film at once): a deadline for the index at the end or after
  // a seek waits behind no more than this.
  p.set_int (sp::urlseed_max_request_bytes, 1024 * 1024);
  p.set_bool (sp::enable_dht, s->enable_dht);
  p.set_bool (sp::enable_lsd, s->enable_lsd);
  p.set_bool (sp::enable_upnp, s->enable_upnp);
  p.set_bool (sp::enable_natpmp, s->enable_natpmp);

  int policy = sp::pe_enabled, level = sp::pe_both;
  if (s->encryption == TS_LT_ENCRYPTION_REQUIRED)
    policy = sp::pe_forced, level = sp::pe_rc4;
  else if (s->encryption == TS_LT_ENCRYPTION_DISABLED)
    policy = sp::pe_disabled, level = sp::pe_plaintext;
  p.set_int (sp::out_enc_policy, policy);
  p.set_int (sp::in_enc_policy, policy);
  p.set_int (sp::allowed_enc_level, level);
  p.set_bool (sp::prefer_rc4, s->encryption != TS_LT_ENCRYPTION_DISABLED);
  return p;
}

// We pause and resume torrents ourselves; libtorrent's queue must not.
void
take_over_pausing (lt::add_torrent_params &p, bool keep_paused)
{
  bool const was_queued = bool (p.flags & lt::torrent_flags::auto_managed);

  p.flags &= ~lt::torrent_flags::auto_managed;
  // A paused auto-managed torrent was only waiting in the queue.
  if (!keep_paused || was_queued)
    p.flags &= ~lt::torrent_flags::paused;
}

bool
looks_like_html (const char *data, size_t len)
{
  size_t i = len >= 3 && std::memcmp (data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

  while (i < len && data[i] && std::strchr (" \t\r\n", data[i]))
    i++;
  return i < len && data[i] == '<';
}

void
attach_notify (TsLtSession *s)
{
  TsLtNotifyFunc const func = s->notify;
  void *const data = s->notify_data;

  // Runs on libtorrent's threads, sometimes inside our own calls: only wake.
  s->ses->set_alert_notify ([func, data] () {
    if (func)
      func (data);
  });
  s->notify_attached = true;
}

void
detach_notify (TsLtSession *s)
{
  s->ses->set_alert_notify ([] () {});
  s->notify_attached = false;
}

TsLtTorrent *
lookup (TsLtSession *s, lt::torrent_handle const &h)
{
  auto const it = s->torrents.find (h);
  return it == s->torrents.end () ? nullptr : it->second;
}

void
set_metadata (TsLtTorrent *t, std::shared_ptr<const lt::torrent_info> ti)
{
  auto const &fs = ti->files ();

  t->file_paths.clear ();
  for (auto const f : fs.file_range ())
    t->file_paths.push_back (fs.file_path (f));
  t->name = ti->name ();
  t->ti = std::move (ti);
}

// Whether anything TsLtStatus shows differs.  libtorrent also reports a
// torrent while only its protocol traffic fades (a refused handshake keeps
// it "changed" for half a minute): the caller would poll for nothing.
bool
visible_change (lt::torrent_status const &a, lt::torrent_status const &b)
{
  return a.state != b.state
         || (a.flags & lt::torrent_flags::paused) != (b.flags & lt::torrent_flags::paused)
         || a.has_metadata != b.has_metadata || a.errc != b.errc || a.name != b.name
         || a.progress != b.progress || a.total_wanted != b.total_wanted
         || a.total_wanted_done != b.total_wanted_done || a.total_done != b.total_done
         || a.total != b.total || a.download_payload_rate != b.download_payload_rate
         || a.upload_payload_rate != b.upload_payload_rate || a.num_peers != b.num_peers
         || a.num_seeds != b.num_seeds || a.list_peers != b.list_peers
         || a.num_pieces != b.num_pieces || a.pieces.size () != b.pieces.size ();
}

// Events are built on the stack; their strings live until the callback
// returns.  The callback may call back in (even free the torrent), so the
// shim's state is consistent before each one and looked up again after.
struct Emitter
{
  TsLtSession *s;
  TsLtEventFunc func;
  void *user_data;

  TsLtEvent
  event (TsLtEventType type, TsLtTorrent *t) const
  {
    TsLtEvent ev {};
    ev.type = type;
    ev.torrent = t;
    ev.piece = -1;
    ev.info_hash = t ? t->info_hash.c_str () : nullptr;
    return ev;
  }

  void
  emit (TsLtEvent const &ev) const
  {
    func (&ev, user_data);
  }

  void
  simple (TsLtEventType type, TsLtTorrent *t, std::string const &error = {}) const
  {
    TsLtEvent ev = event (type, t);
    ev.error = error.empty () ? nullptr : error.c_str ();
    emit (ev);
  }

  void add_finished (lt::add_torrent_alert const *a) const;
  void state_update (lt::state_update_alert const *a) const;
  void file_progress (TsLtTorrent *t) const;
  void alert (lt::alert const *a) const;
};

void
Emitter::add_finished (lt::add_torrent_alert const *a) const
{
  std::unique_ptr<AddRequest> req;
  auto const it = s->pending.find (a->params.userdata.get<AddRequest> ());
  if (it != s->pending.end ())
    {
      req = std::move (it->second);
      s->pending.erase (it);
    }

  std::string const hex = hash_hex (params_hashes (a->params));
  std::string error;
  if (a->error == lt::errors::duplicate_torrent)
    error = "This torrent is already in the list";
  else if (a->error)
    error = "The torrent could not be added: " + a->error.message ();
  else if (!a->handle.is_valid () || lookup (s, a->handle))
    error = "The torrent could not be added: libtorrent gave no usable handle";

  TsLtEvent ev = event (TS_LT_EVENT_ADD_FINISHED, nullptr);
  ev.cookie = req ? req->cookie : 0;
  ev.info_hash = hex.c_str ();
  if (!error.empty ())
    {
      ev.error = error.c_str ();
      return emit (ev);
    }

  auto *t = new TsLtTorrent;
  t->session = s;
  t->handle = a->handle;
  t->info_hash = hex;
  t->name = a->params.name;
  t->save_path = a->params.save_path;
  if (req)
    t->initial_priorities = std::move (req->file_priorities);
  if (a->params.ti && a->params.ti->is_valid ())
    set_metadata (t, a->params.ti);
  s->torrents[t->handle] = t;
  ev.torrent = t;
  emit (ev);

  // Metadata that came with the add is announced right away, so callers
  // treat .torrent files and magnets alike.
  t = lookup (s, a->handle);
  if (t && t->ti)
    simple (TS_LT_EVENT_METADATA, t);
}

// Piece granularity, like libtorrent's file_progress(piece_granularity):
// the bytes of each file inside pieces we have.
void
Emitter::file_progress (TsLtTorrent *t) const
{
  auto const &fs = t->ti->files ();
  auto const &have = t->last.pieces;
  std::vector<int64_t> progress (static_cast<size_t> (fs.num_files ()), 0);

  if (t->has_last && have.size () == fs.num_pieces ())
    for (auto const piece : fs.piece_range ())
      if (have.get_bit (piece))
        for (auto const &slice : fs.map_block (piece, 0, fs.piece_size (piece)))
          progress[static_cast<size_t> (static_cast<int> (slice.file_index))] += slice.size;

  TsLtEvent ev = event (TS_LT_EVENT_FILE_PROGRESS, t);
  ev.file_progress = progress.data ();
  ev.n_files = static_cast<int> (progress.size ());
  emit (ev);
}

void
Emitter::state_update (lt::state_update_alert const *a) const
{
  std::vector<lt::torrent_handle> got_metadata, want_progress;
  std::vector<bool> changed (a->status.size (), false);

  for (size_t i = 0; i < a->status.size (); i++)
    {
      auto const &st = a->status[i];
      TsLtTorrent *t = lookup (s, st.handle);
      if (!t)
        continue;
      changed[i] = !t->has_last || visible_change (t->last, st);
      t->last = st;
      t->has_last = true;
      // Once has_metadata is set the torrent_info is complete and no longer
      // changes (both are read on libtorrent's thread together).
      auto ti = st.has_metadata && !t->ti ? st.torrent_file.lock () : nullptr;
      if (ti && ti->is_valid ())
        {
          set_metadata (t, std::move (ti));
          got_metadata.push_back (t->handle);
        }
    }
  for (auto const &h : got_metadata)
    if (TsLtTorrent *t = lookup (s, h))
      simple (TS_LT_EVENT_METADATA, t);

  // The torrents that changed, plus those that asked for a status and did
  // not change (answered from the cache).
  std::vector<lt::torrent_status const *> rows;
  for (size_t i = 0; i < a->status.size (); i++)
    if (changed[i] && lookup (s, a->status[i].handle))
      rows.push_back (&a->status[i]);
  for (auto const &entry : s->torrents)
    {
      TsLtTorrent *t = entry.second;
      auto const same = [t] (lt::torrent_status const *st) { return st->handle == t->handle; };
      if (t->want_status && t->has_last && std::none_of (rows.begin (), rows.end (), same))
        rows.push_back (&t->last);
      t->want_status = false;
      if (t->want_file_progress)
        want_progress.push_back (t->handle);
    }

  if (!rows.empty ())
    {
      std::vector<std::string> errors (rows.size ());
      std::vector<TsLtStatus> out (rows.size ());
      for (size_t i = 0; i < rows.size (); i++)
        {
          lt::torrent_status const &st = *rows[i];
          TsLtTorrent *t = lookup (s, st.handle);
          TsLtStatus &o = out[i];

          errors[i] = st.errc ? st.errc.message () : std::string ();
          o.torrent = t;
          o.state = static_cast<int> (st.state);
          o.paused = bool (st.flags & lt::torrent_flags::paused);
          o.has_metadata = st.has_metadata;
          o.has_error = bool (st.errc);
          o.error = st.errc ? errors[i].c_str () : nullptr;
          o.name = t->ti || st.name.empty () ? t->name.c_str () : st.name.c_str ();
          o.progress = st.progress;
          o.total_wanted = st.total_wanted;
          o.total_wanted_done = st.total_wanted_done;
          o.total_done = st.total_done;
          o.total_size = t->ti ? t->ti->total_size () : st.total;
          o.download_rate = st.download_payload_rate;
          o.upload_rate = st.upload_payload_rate;
          o.num_peers = st.num_peers;
          o.num_seeds = st.num_seeds;
          o.list_peers = st.list_peers;
          // A bitfield's data() is in wire order (MSB of byte 0 = piece 0).
          // num_pieces is its length, not lt's count of pieces we have.
          o.pieces = st.pieces.size () > 0 ? reinterpret_cast<const uint8_t *> (st.pieces.data ())
                                           : nullptr;
          o.num_pieces = st.pieces.size () > 0 ? st.pieces.size ()
                                               : t->ti ? t->ti->num_pieces () : 0;
        }
      TsLtEvent ev = event (TS_LT_EVENT_STATUS, nullptr);
      ev.statuses = out.data ();
      ev.n_statuses = static_cast<int> (out.size ());
      emit (ev);
    }

  for (auto const &h : want_progress)
    if (TsLtTorrent *t = lookup (s, h))
      {
        t->want_file_progress = false;
        if (t->ti)
          file_progress (t);
      }
}

void
Emitter::alert (lt::alert const *alert) const
{
  if (auto const *a = lt::alert_cast<lt::add_torrent_alert> (alert))
    return add_finished (a);
  if (auto const *a = lt::alert_cast<lt::state_update_alert> (alert))
    return state_update (a);
  if (auto const *a = lt::alert_cast<lt::listen_succeeded_alert> (alert))
    {
      if (a->socket_type != lt::socket_type_t::tcp)
        return;
      TsLtEvent ev = event (TS_LT_EVENT_LISTEN, nullptr);
      ev.port = a->port;
      return emit (ev);
    }
  if (auto const *a = lt::alert_cast<lt::listen_failed_alert> (alert))
    {
      if (a->socket_type == lt::socket_type_t::tcp)
        simple (TS_LT_EVENT_LISTEN, nullptr, std::string ("Cannot listen for peers on ")
                                                 + a->listen_interface () + ": " + a->error.message ());
      return;
    }

  // Deletion is often reported after the torrent was freed: the info-hash
  // tells which one it was.
  auto const *deleted = lt::alert_cast<lt::torrent_deleted_alert> (alert);
  auto const *delete_failed = lt::alert_cast<lt::torrent_delete_failed_alert> (alert);
  if (deleted || delete_failed)
    {
      auto const &ta = *static_cast<lt::torrent_alert const *> (alert);
      std::string const hex = hash_hex (deleted ? deleted->info_hashes : delete_failed->info_hashes);
      std::string const msg
          = delete_failed ? "The downloaded files could not be deleted: " + delete_failed->error.message ()
                          : std::string ();
      TsLtEvent ev = event (TS_LT_EVENT_FILES_DELETED, lookup (s, ta.handle));
      ev.info_hash = hex.c_str ();
      ev.error = delete_failed ? msg.c_str () : nullptr;
      return emit (ev);
    }

  auto const *ta = dynamic_cast<lt::torrent_alert const *> (alert);
  TsLtTorrent *t = ta ? lookup (s, ta->handle) : nullptr;
  if (!t)
    return;

  if (lt::alert_cast<lt::torrent_removed_alert> (alert))
    {
      // The handle is dead from now on: calls on it become no-ops.
      t->removed = true;
      return simple (TS_LT_EVENT_REMOVED, t);
    }
  if (lt::alert_cast<lt::metadata_received_alert> (alert))
    {
      // torrent_file() would block; libtorrent put the torrent on its list
      // of changed torrents, so the next state update carries it.
      s->ses->post_torrent_updates (status_flags);
      return;
    }
  if (auto const *a = lt::alert_cast<lt::piece_finished_alert> (alert))
    {
      TsLtEvent ev = event (TS_LT_EVENT_PIECE_FINISHED, t);
      ev.piece = static_cast<int> (a->piece_index);
      return emit (ev);
    }
  if (auto const *a = lt::alert_cast<lt::save_resume_data_alert> (alert))
    {
      std::vector<char> const buf = lt::write_resume_data_buf (a->params);
      TsLtEvent ev = event (TS_LT_EVENT_RESUME_DATA, t);
      ev.data = buf.data ();
      ev.len = buf.size ();
      return emit (ev);
    }
  if (auto const *a = lt::alert_cast<lt::save_resume_data_failed_alert> (alert))
    return simple (TS_LT_EVENT_RESUME_DATA_FAILED, t,
                   a->error == lt::errors::resume_data_not_modified
                       ? std::string ()
                       : "The download state could not be saved: " + a->error.message ());

  if (lt::alert_cast<lt::torrent_finished_alert> (alert))
    return simple (TS_LT_EVENT_FINISHED, t);
  if (lt::alert_cast<lt::torrent_paused_alert> (alert))
    return simple (TS_LT_EVENT_PAUSED, t);
  if (lt::alert_cast<lt::torrent_resumed_alert> (alert))
    return simple (TS_LT_EVENT_RESUMED, t);
  if (lt::alert_cast<lt::torrent_checked_alert> (alert))
    return simple (TS_LT_EVENT_CHECKED, t);
  if (auto const *a = lt::alert_cast<lt::torrent_error_alert> (alert))
    return simple (TS_LT_EVENT_ERROR, t,
                   "The download stopped: " + a->error.message ()
                       + (*a->filename () ? std::string (" (") + a->filename () + ")" : ""));
  if (auto const *a = lt::alert_cast<lt::file_error_alert> (alert))
    return simple (TS_LT_EVENT_ERROR, t,
                   std::string ("Cannot use the file “") + a->filename () + "”: "
                       + a->error.message () + " (" + lt::operation_name (a->op) + ")");
  if (auto const *a = lt::alert_cast<lt::metadata_failed_alert> (alert))
    return simple (TS_LT_EVENT_ERROR, t,
                   "The torrent description received from peers is invalid: "
                       + a->error.message ());
}

// Runs @f on a live torrent's handle.  libtorrent throws on dead handles,
// and none of that may reach C.
template <typename F>
bool
with_handle (TsLtTorrent *t, F &&f)
{
  if (!t || t->removed)
    return false;
  return guard (false, [&] () {
    f (t->handle);
    return true;
  });
}

bool
valid_file (TsLtTorrent *t, int file)
{
  return t && t->ti && file >= 0 && file < t->ti->num_files ();
}

// Piece indices are checked here: libtorrent would only notice a bad one
// on its own thread, where nobody can report it.
bool
valid_piece (TsLtTorrent *t, int piece)
{
  return t && t->ti && piece >= 0 && piece < t->ti->num_pieces ();
}

} // namespace

extern "C" {

// Session ---------------------------------------------------------------------

TsLtSession *
ts_lt_session_new (const TsLtSettings *settings, const void *state, size_t state_len,
                   TsLtNotifyFunc notify, void *notify_data)
{
  if (!settings)
    return nullptr;
  return guard<TsLtSession *> (nullptr, [&] () {
    lt::session_params params;
    // Unreadable state only costs the DHT routing table: start afresh.
    if (state && state_len > 0)
      params = guard (lt::session_params (), [&] () {
        return lt::read_session_params (
            { static_cast<const char *> (state), static_cast<std::ptrdiff_t> (state_len) },
            lt::session::save_dht_state);
      });
    params.settings = make_settings (settings);

    auto s = std::make_unique<TsLtSession> ();
    s->notify = notify;
    s->notify_data = notify_data;
    s->ses = std::make_unique<lt::session> (std::move (params));
    if (settings->rate_limit_local)
      s->ses->set_peer_class_filter (peer_class_filter (true));
    attach_notify (s.get ());
    return s.release ();
  });
}

void
ts_lt_session_apply_settings (TsLtSession *session, const TsLtSettings *settings)
{
  if (!session || !settings)
    return;
  guard ([&] () {
    session->ses->apply_settings (make_settings (settings));
    session->ses->set_peer_class_filter (peer_class_filter (settings->rate_limit_local));
  });
}

void
ts_lt_session_post_updates (TsLtSession *session)
{
  if (!session)
    return;
  guard ([&] () {
    session->ses->post_torrent_updates (status_flags);
  });
}

void
ts_lt_session_pop_events (TsLtSession *session, TsLtEventFunc func, void *user_data)
{
  // A nested pop would invalidate the alerts being walked.
  if (!session || !func || session->popping)
    return;
  session->popping = true;

  Emitter const out { session, func, user_data };
  auto const failed = std::move (session->failed_adds);
  session->failed_adds.clear ();
  for (auto const &f : failed)
    {
      TsLtEvent ev = out.event (TS_LT_EVENT_ADD_FINISHED, nullptr);
      ev.cookie = f.first;
      ev.error = f.second.c_str ();
      out.emit (ev);
    }

  std::vector<lt::alert *> alerts;
  guard ([&] () {
    session->ses->pop_alerts (&alerts);
  });
  // One alert that cannot be translated must not drop the others.
  for (lt::alert const *a : alerts)
    guard ([&] () {
      out.alert (a);
    });
  session->popping = false;
}

void
ts_lt_session_add (TsLtSession *session, TsLtAddParams *params, uint64_t cookie)
{
  std::unique_ptr<TsLtAddParams> owned (params);

  if (!session || !params)
    return;
  // A failure here is still answered by an event, at the next pop.
  auto const failed = [session, cookie] (const char *reason) noexcept {
    guard ([&] () {
      session->failed_adds.emplace_back (cookie,
                                         std::string ("The torrent could not be added: ") + reason);
    });
    if (session->notify && session->notify_attached)
      session->notify (session->notify_data);
  };
  try
    {
      auto req = std::make_unique<AddRequest> ();
      AddRequest const *key = req.get ();
      req->cookie = cookie;
      for (auto const prio : owned->p.file_priorities)
        req->file_priorities.push_back (static_cast<uint8_t> (prio));
      // Without this flag a duplicate gets the existing handle back, and
      // one torrent would have two TsLtTorrent.
      owned->p.flags |= lt::torrent_flags::duplicate_is_error;
      owned->p.userdata = lt::client_data_t (req.get ());
      session->pending[key] = std::move (req);
      try
        {
          session->ses->async_add_torrent (std::move (owned->p));
        }
      catch (...)
        {
          session->pending.erase (key);
          throw;
        }
    }
  catch (std::exception const &e)
    {
      failed (e.what ());
    }
  catch (...)
    {
      failed ("unknown error");
    }
}

void *
ts_lt_session_save_state (TsLtSession *session, size_t *len)
{
  if (len)
    *len = 0;
  if (!session)
    return nullptr;
  return guard<void *> (nullptr, [&] () -> void * {
    auto const flags = lt::session::save_dht_state;
    auto const buf = lt::write_session_params_buf (session->ses->session_state (flags), flags);
    void *out = std::malloc (std::max<size_t> (buf.size (), 1));
    if (!out)
      return nullptr;
    std::memcpy (out, buf.data (), buf.size ());
    if (len)
      *len = buf.size ();
    return out;
  });
}

void
ts_lt_session_pause_all (TsLtSession *session)
{
  if (!session)
    return;
  guard ([&] () {
    detach_notify (session);
    session->ses->pause ();
  });
}

void
ts_lt_session_resume_all (TsLtSession *session)
{
  if (!session)
    return;
  // Undoes pause_all(), the notify callback included.
  guard ([&] () {
    attach_notify (session);
    session->ses->resume ();
  });
}

void
ts_lt_session_free (TsLtSession *session)
{
  if (!session)
    return;
  guard ([&] () {
    // Teardown still posts alerts: nobody may be woken for them.
    detach_notify (session);
    // The torrents outlive the session; their calls become no-ops.
    for (auto &entry : session->torrents)
      {
        entry.second->session = nullptr;
        entry.second->removed = true;
      }
    // The proxy's destructor waits for libtorrent's threads to end.
    lt::session_proxy const proxy = session->ses->abort ();
    session->ses.reset ();
  });
  delete session;
}

const char *
ts_lt_version (void)
{
  return LIBTORRENT_VERSION;
}

// Add parameters --------------------------------------------------------------

TsLtAddParams *
ts_lt_add_params_from_magnet (const char *uri, char **error)
{
  if (error)
    *error = nullptr;
  if (!uri || strncasecmp (uri, "magnet:", 7) != 0)
    return fail (error, "This is not a magnet link (it must start with “magnet:?”)");
  try
    {
      auto ap = std::make_unique<TsLtAddParams> ();
      lt::error_code ec;
      lt::parse_magnet_uri (uri, ap->p, ec);
      if (ec == lt::errors::missing_info_hash_in_uri
          || (!ec && !ap->p.info_hashes.has_v1 () && !ap->p.info_hashes.has_v2 ()))
        return fail (error, "This magnet link has no info-hash (xt=urn:btih:…)");
      if (ec)
        return fail (error, "This magnet link is invalid: " + ec.message ());
      take_over_pausing (ap->p, false);
      return ap.release ();
    }
  catch (std::exception const &e)
    {
      return fail (error, std::string ("This magnet link could not be read: ") + e.what ());
    }
}

TsLtAddParams *
ts_lt_add_params_from_torrent_data (const void *data, size_t len, char **error)
{
  auto const *bytes = static_cast<const char *> (data);

  if (error)
    *error = nullptr;
  // The usual mistakes (a download page saved instead of the file, some
  // other file) are named better than by a bdecode error.
  if (!bytes || len == 0)
    return fail (error, "The .torrent file is empty");
  if (looks_like_html (bytes, len))
    return fail (error, "This is a web page, not a .torrent file");
  if (bytes[0] != 'd')
    return fail (error, "This is not a .torrent file (its content is not bencoded)");
  try
    {
      lt::error_code ec;
      lt::bdecode_node const node = lt::bdecode ({ bytes, static_cast<std::ptrdiff_t> (len) }, ec);
      if (ec)
        return fail (error, "The .torrent file is damaged or truncated (" + ec.message () + ")");
      if (!node.dict_find_dict ("info"))
        return fail (error, "The .torrent file has no 'info' dictionary");
      auto ap = std::make_unique<TsLtAddParams> ();
      ap->p = lt::load_torrent_parsed (node);
      take_over_pausing (ap->p, false);
      return ap.release ();
    }
  catch (lt::system_error const &e)
    {
      return fail (error, "The .torrent file is invalid: " + e.code ().message ());
    }
  catch (std::exception const &e)
    {
      return fail (error, std::string ("The .torrent file could not be read: ") + e.what ());
    }
}

TsLtAddParams *
ts_lt_add_params_from_resume_data (const void *data, size_t len, char **error)
{
  if (error)
    *error = nullptr;
  if (!data || len == 0)
    return fail (error, "The saved download state is empty");
  try
    {
      lt::error_code ec;
      auto ap = std::make_unique<TsLtAddParams> ();
      ap->p = lt::read_resume_data (
          { static_cast<const char *> (data), static_cast<std::ptrdiff_t> (len) }, ec);
      if (ec)
        return fail (error, "The saved download state is damaged (" + ec.message () + ")");
      if (hash_hex (params_hashes (ap->p)).empty ())
        return fail (error, "The saved download state does not name its torrent (no info-hash)");
      // A pause by the user survives a restart.
      take_over_pausing (ap->p, true);
      // Sequential order is for as long as someone streams, not for good.
      ap->p.flags &= ~lt::torrent_flags::sequential_download;
      return ap.release ();
    }
  catch (std::exception const &e)
    {
      return fail (error, std::string ("The saved download state could not be read: ") + e.what ());
    }
}

void
ts_lt_add_params_free (TsLtAddParams *params)
{
  delete params;
}

char *
ts_lt_add_params_get_info_hash (TsLtAddParams *params)
{
  if (!params)
    return nullptr;
  return guard<char *> (nullptr, [&] () { return strdup (hash_hex (params_hashes (params->p)).c_str ()); });
}

char *
ts_lt_add_params_get_name (TsLtAddParams *params)
{
  if (!params)
    return nullptr;
  // A bare magnet has only its dn= (or nothing).
  auto const &p = params->p;
  return strdup (p.ti && p.ti->is_valid () ? p.ti->name ().c_str () : p.name.c_str ());
}

void
ts_lt_add_params_set_save_path (TsLtAddParams *params, const char *path)
{
  if (params)
    guard ([&] () {
      params->p.save_path = path ? path : "";
    });
}

const char *
ts_lt_add_params_get_save_path (TsLtAddParams *params)
{
  return params && !params->p.save_path.empty () ? params->p.save_path.c_str () : nullptr;
}

void
ts_lt_add_params_set_paused (TsLtAddParams *params, bool paused)
{
  if (!params)
    return;
  if (paused)
    params->p.flags |= lt::torrent_flags::paused;
  else
    params->p.flags &= ~lt::torrent_flags::paused;
  params->p.flags &= ~lt::torrent_flags::auto_managed;
}

bool
ts_lt_add_params_add_peer (TsLtAddParams *params, const char *ip_port)
{
  if (!params)
    return false;
  return guard (false, [&] () {
    lt::tcp::endpoint ep;
    if (!parse_endpoint (ip_port, &ep))
      return false;
    params->p.peers.push_back (ep);
    return true;
  });
}

// Torrent ---------------------------------------------------------------------

void
ts_lt_torrent_free (TsLtTorrent *torrent)
{
  if (!torrent)
    return;
  if (torrent->session)
    {
      auto &map = torrent->session->torrents;
      auto const it = map.find (torrent->handle);
      if (it != map.end () && it->second == torrent)
        map.erase (it);
    }
  delete torrent;
}

void
ts_lt_torrent_set_user_data (TsLtTorrent *torrent, void *user_data)
{
  if (torrent)
    torrent->user_data = user_data;
}

void *
ts_lt_torrent_get_user_data (TsLtTorrent *torrent)
{
  return torrent ? torrent->user_data : nullptr;
}

const char *
ts_lt_torrent_get_info_hash (TsLtTorrent *torrent)
{
  return torrent ? torrent->info_hash.c_str () : nullptr;
}

bool
ts_lt_torrent_has_metadata (TsLtTorrent *torrent)
{
  return torrent && torrent->ti;
}

const char *
ts_lt_torrent_get_name (TsLtTorrent *torrent)
{
  return torrent ? torrent->name.c_str () : nullptr;
}

int
ts_lt_torrent_get_n_files (TsLtTorrent *torrent)
{
  return torrent && torrent->ti ? torrent->ti->num_files () : 0;
}

const char *
ts_lt_torrent_get_file_path (TsLtTorrent *torrent, int file)
{
  return valid_file (torrent, file) ? torrent->file_paths[static_cast<size_t> (file)].c_str ()
                                    : nullptr;
}

int64_t
ts_lt_torrent_get_file_size (TsLtTorrent *torrent, int file)
{
  return valid_file (torrent, file) ? torrent->ti->files ().file_size (lt::file_index_t { file })
                                    : 0;
}

int64_t
ts_lt_torrent_get_file_offset (TsLtTorrent *torrent, int file)
{
  return valid_file (torrent, file) ? torrent->ti->files ().file_offset (lt::file_index_t { file })
                                    : 0;
}

bool
ts_lt_torrent_get_file_is_pad (TsLtTorrent *torrent, int file)
{
  return valid_file (torrent, file)
         && torrent->ti->files ().pad_file_at (lt::file_index_t { file });
}

int
ts_lt_torrent_get_num_pieces (TsLtTorrent *torrent)
{
  return torrent && torrent->ti ? torrent->ti->num_pieces () : 0;
}

int
ts_lt_torrent_get_piece_length (TsLtTorrent *torrent)
{
  return torrent && torrent->ti ? torrent->ti->piece_length () : 0;
}

int
ts_lt_torrent_get_piece_size (TsLtTorrent *torrent, int piece)
{
  return valid_piece (torrent, piece) ? torrent->ti->piece_size (lt::piece_index_t { piece }) : 0;
}

const char *
ts_lt_torrent_get_save_path (TsLtTorrent *torrent)
{
  return torrent ? torrent->save_path.c_str () : nullptr;
}

bool
ts_lt_torrent_map_file_range (TsLtTorrent *torrent, int file, int64_t offset, int64_t len,
                              int *first, int *last)
{
  if (!valid_file (torrent, file) || offset < 0 || len <= 0)
    return false;
  lt::file_index_t const f { file };
  int64_t const size = torrent->ti->files ().file_size (f);
  if (offset >= size || len > size - offset)
    return false;
  // map_file() returns an int length: map both ends on their own so
  // ranges over 2 GiB work.
  return guard (false, [&] () {
    int const a = static_cast<int> (torrent->ti->map_file (f, offset, 1).piece);
    int const b = static_cast<int> (torrent->ti->map_file (f, offset + len - 1, 1).piece);
    if (first)
      *first = a;
    if (last)
      *last = b;
    return true;
  });
}

const uint8_t *
ts_lt_torrent_get_initial_file_priorities (TsLtTorrent *torrent, int *n)
{
  bool const some = torrent && !torrent->initial_priorities.empty ();

  if (n)
    *n = some ? static_cast<int> (torrent->initial_priorities.size ()) : 0;
  return some ? torrent->initial_priorities.data () : nullptr;
}

void
ts_lt_torrent_pause (TsLtTorrent *torrent)
{
  with_handle (torrent, [] (lt::torrent_handle const &h) {
    h.unset_flags (lt::torrent_flags::auto_managed);
    h.pause ();
  });
}

void
ts_lt_torrent_resume (TsLtTorrent *torrent)
{
  with_handle (torrent, [] (lt::torrent_handle const &h) {
    h.unset_flags (lt::torrent_flags::auto_managed);
    h.resume ();
  });
}

void
ts_lt_torrent_remove (TsLtTorrent *torrent, bool delete_files)
{
  if (!torrent || !torrent->session)
    return;
  lt::session &ses = *torrent->session->ses;
  with_handle (torrent, [&] (lt::torrent_handle const &h) {
    ses.remove_torrent (h, delete_files ? lt::session::delete_files : lt::remove_flags_t {});
  });
}

void
ts_lt_torrent_force_recheck (TsLtTorrent *torrent)
{
  with_handle (torrent, [] (lt::torrent_handle const &h) { h.force_recheck (); });
}

bool
ts_lt_torrent_connect_peer (TsLtTorrent *torrent, const char *ip_port)
{
  return with_handle (torrent, [&] (lt::torrent_handle const &h) {
    lt::tcp::endpoint ep;
    if (!parse_endpoint (ip_port, &ep))
      throw std::invalid_argument ("not ip:port");
    h.connect_peer (ep);
  });
}

void
ts_lt_torrent_set_file_priorities (TsLtTorrent *torrent, const uint8_t *priorities, int n)
{
  if (!priorities || n <= 0)
    return;
  with_handle (torrent, [&] (lt::torrent_handle const &h) {
    std::vector<lt::download_priority_t> v;
    for (int i = 0; i < n; i++)
      v.emplace_back (std::min<uint8_t> (priorities[i], 7));
    h.prioritize_files (v);
  });
}

void
ts_lt_torrent_set_piece_deadlines (TsLtTorrent *torrent, const int *pieces, const int *deadlines_ms,
                                   int n, const int *pending, int n_pending, int keep_from)
{
  std::vector<std::pair<lt::piece_index_t, int>> batch;
  std::vector<lt::piece_index_t> before;
  int last = 0;

  if (!torrent || !torrent->session || !torrent->session->ses || torrent->removed)
    return;
  for (int i = 0; i < n; i++)
    if (valid_piece (torrent, pieces[i]))
      {
        batch.emplace_back (lt::piece_index_t { pieces[i] }, std::max (0, deadlines_ms[i]));
        last = std::max (last, deadlines_ms[i]);
      }
  bool const keep_in_flight = keep_from >= 0;

  for (int i = 0; keep_in_flight && i < n_pending; i++)
    if (valid_piece (torrent, pending[i]))
      before.emplace_back (lt::piece_index_t { pending[i] });
  if (batch.empty ())
    return;

  // One handler on libtorrent's thread, where the handle's calls run at
  // once: whether its set is empty is then known for sure, and the cancel
  // libtorrent posts when it was runs after all of these are in.
  lt::post (torrent->session->ses->get_context (),
            [h = torrent->handle, batch = std::move (batch), before = std::move (before),
             keep_in_flight, keep_from, last] () {
              guard ([&] () {
                std::vector<lt::partial_piece_info> in_flight;

                if (keep_in_flight
                    && std::all_of (before.begin (), before.end (),
                                    [&] (lt::piece_index_t p) { return h.have_piece (p); }))
                  h.get_download_queue (in_flight);
                for (auto const &[piece, deadline] : batch)
                  h.set_piece_deadline (piece, deadline);
                for (auto const &q : in_flight)
                  if (static_cast<int> (q.piece_index) >= keep_from
                      && std::none_of (batch.begin (), batch.end (),
                                    [&] (auto const &b) { return b.first == q.piece_index; }))
                    h.set_piece_deadline (q.piece_index, last + keep_in_flight_ms);
              });
            });
}

void
ts_lt_torrent_reset_piece_deadline (TsLtTorrent *torrent, int piece)
{
  if (valid_piece (torrent, piece))
    with_handle (torrent, [&] (lt::torrent_handle const &h) {
      h.reset_piece_deadline (lt::piece_index_t { piece });
    });
}

void
ts_lt_torrent_clear_piece_deadlines (TsLtTorrent *torrent)
{
  with_handle (torrent, [] (lt::torrent_handle const &h) { h.clear_piece_deadlines (); });
}

void
ts_lt_torrent_set_piece_priority (TsLtTorrent *torrent, int piece, int priority)
{
  auto const prio = lt::download_priority_t { static_cast<uint8_t> (std::clamp (priority, 0, 7)) };

  if (valid_piece (torrent, piece))
    with_handle (torrent, [&] (lt::torrent_handle const &h) {
      h.piece_priority (lt::piece_index_t { piece }, prio);
    });
}

void
ts_lt_torrent_set_sequential (TsLtTorrent *torrent, bool sequential)
{
  with_handle (torrent, [&] (lt::torrent_handle const &h) {
    if (sequential)
      h.set_flags (lt::torrent_flags::sequential_download);
    else
      h.unset_flags (lt::torrent_flags::sequential_download);
  });
}

void
ts_lt_torrent_post_status (TsLtTorrent *torrent)
{
  if (!torrent || !torrent->session || torrent->removed)
    return;
  torrent->want_status = true;
  ts_lt_session_post_updates (torrent->session);
}

void
ts_lt_torrent_post_file_progress (TsLtTorrent *torrent)
{
  if (!torrent || !torrent->session || torrent->removed || !torrent->ti)
    return;
  // Answered from the have-bitfield of the state update this triggers.
  torrent->want_file_progress = true;
  ts_lt_session_post_updates (torrent->session);
}

void
ts_lt_torrent_save_resume_data (TsLtTorrent *torrent, bool only_if_modified)
{
  with_handle (torrent, [&] (lt::torrent_handle const &h) {
    // flush_disk_cache closes the torrent's files (2.0 has no cache of its
    // own and keeps no file times in resume data): right for a last save,
    // but the periodic ones would unmap the file being streamed, and stall
    // its disk jobs behind that, every few seconds.
    lt::resume_data_flags_t flags = lt::torrent_handle::save_info_dict;
    if (only_if_modified)
      flags |= lt::torrent_handle::only_if_modified;
    else
      flags |= lt::torrent_handle::flush_disk_cache;
    h.save_resume_data (flags);
  });
}

void
ts_lt_torrent_set_upload_limit (TsLtTorrent *torrent, int bytes_per_second)
{
  with_handle (torrent, [&] (lt::torrent_handle const &h) {
    h.set_upload_limit (std::max (0, bytes_per_second));
  });
}

void
ts_lt_torrent_set_download_limit (TsLtTorrent *torrent, int bytes_per_second)
{
  with_handle (torrent, [&] (lt::torrent_handle const &h) {
    h.set_download_limit (std::max (0, bytes_per_second));
  });
}

bool
ts_lt_torrent_have_range (TsLtTorrent *torrent, int first, int last)
{
  if (first < 0 || last < first)
    return false;
  // Blocking round trips to libtorrent's thread: worker thread only.
  bool have = true;
  bool const alive = with_handle (torrent, [&] (lt::torrent_handle const &h) {
    for (int piece = first; piece <= last && have; piece++)
      have = h.have_piece (lt::piece_index_t { piece });
  });
  return alive && have;
}

} // extern "C"
