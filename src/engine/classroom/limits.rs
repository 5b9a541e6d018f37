//! The server's rate limits: token buckets per device and per address, and the count of wrong join codes per address.
//!
//! Every map here is bounded: a network peer can make us remember an address or a token, so each map has a
//! capacity, and when it is full the entries that carry no information any more (a full bucket, an expired
//! window) are dropped first. Time is passed in, so the rules are unit-tested without sleeping.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The key an address is limited by: the address itself, an IPv4-mapped IPv6 address as its IPv4 address.
///
/// An internet-facing server would limit an IPv6 client by its /64, since a host picks any address in it at
/// will; on a LAN the /64 is the whole Wi-Fi, so that would let one guesser block the class. A host rotating
/// addresses to guess more is bounded by the tables' capacity instead (see `Strikes::blocked`).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets by key, at most `capacity` keys.
#[derive(Debug)]
pub struct Buckets<K> {
    map: HashMap<K, Bucket>,
    burst: f64,
    per_second: f64,
    capacity: usize,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    pub fn new(burst: u32, per_second: f64, capacity: usize) -> Buckets<K> {
        Buckets {
            map: HashMap::new(),
            burst: f64::from(burst),
            per_second,
            capacity,
        }
    }

    /// Takes one token for `key`; false when the key has none left (the request is refused with 429).
    pub fn take(&mut self, key: &K, now: Instant) -> bool {
        if !self.map.contains_key(key) && self.map.len() >= self.capacity {
            // A bucket that has refilled is the same as no bucket: forget those first.
            let (burst, rate) = (self.burst, self.per_second);
            self.map.retain(|_, b| refilled(b, now, rate, burst) < burst);
            if self.map.len() >= self.capacity {
                // Still full: every key is busy. Refusing the newcomer keeps memory bounded; on a LAN
                // the capacity is far above the number of phones in a lecture hall.
                return false;
            }
        }
        let bucket = self.map.entry(key.clone()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        bucket.tokens = refilled(bucket, now, self.per_second, self.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn refilled(b: &Bucket, now: Instant, per_second: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
    (b.tokens + elapsed * per_second).min(burst)
}

/// Wrong join codes (and unknown device tokens) counted per address in a fixed window; an address over the
/// limit is blocked for a while.
#[derive(Debug)]
pub struct Strikes {
    map: HashMap<IpAddr, Strike>,
    limit: u32,
    window: Duration,
    block: Duration,
    capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct Strike {
    since: Instant,
    count: u32,
    blocked_until: Option<Instant>,
}

impl Strike {
    fn expired(&self, now: Instant, window: Duration) -> bool {
        self.blocked_until.is_none_or(|t| now >= t) && now.saturating_duration_since(self.since) >= window
    }
}

impl Strikes {
    pub fn new(limit: u32, window: Duration, block: Duration, capacity: usize) -> Strikes {
        Strikes {
            map: HashMap::new(),
            limit,
            window,
            block,
            capacity,
        }
    }

    /// Whether requests from `ip` are refused (429) for now.
    pub fn blocked(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.map.len() >= self.capacity && !self.map.contains_key(&client_key(ip)) {
            let window = self.window;
            self.map.retain(|_, s| !s.expired(now, window));
            if self.map.len() >= self.capacity {
                // The table is full of addresses guessing codes now (see `strike`): a newcomer waits too.
                return true;
            }
        }
        self.map
            .get(&client_key(ip))
            .and_then(|s| s.blocked_until)
            .is_some_and(|t| now < t)
    }

    /// Counts one wrong guess from `ip`.
    pub fn strike(&mut self, ip: IpAddr, now: Instant) {
        let key = client_key(ip);
        if !self.map.contains_key(&key) && self.map.len() >= self.capacity {
            let window = self.window;
            self.map.retain(|_, s| !s.expired(now, window));
            if self.map.len() >= self.capacity {
                // Thousands of addresses are guessing at once: `blocked` then refuses every address not yet
                // known, which stops the guessing at the cost of new phones until the windows expire.
                return;
            }
        }
        let s = self.map.entry(key).or_insert(Strike {
            since: now,
            count: 0,
            blocked_until: None,
        });
        if now.saturating_duration_since(s.since) >= self.window {
            s.since = now;
            s.count = 0;
        }
        s.count += 1;
        if s.count > self.limit {
            s.blocked_until = Some(now + self.block);
            s.since = now + self.block;
            s.count = 0;
        }
    }
}

/// Wrong guesses from all addresses together, in a fixed window: over the limit, no code is checked until the
/// window ends, so guesses spread over many addresses (a host rotating IPv6 addresses) are bounded too.
#[derive(Debug)]
pub struct Flood {
    limit: u32,
    window: Duration,
    since: Option<Instant>,
    count: u32,
}

impl Flood {
    pub fn new(limit: u32, window: Duration) -> Flood {
        Flood {
            limit,
            window,
            since: None,
            count: 0,
        }
    }

    /// Counts one wrong guess.
    pub fn count(&mut self, now: Instant) {
        if self
            .since
            .is_none_or(|s| now.saturating_duration_since(s) >= self.window)
        {
            self.since = Some(now);
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
    }

    /// Whether the guesses of this window are over the limit.
    pub fn flooded(&self, now: Instant) -> bool {
        self.count > self.limit
            && self
                .since
                .is_some_and(|s| now.saturating_duration_since(s) < self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 168, 1, n))
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let t0 = Instant::now();
        let mut b = Buckets::new(3, 2.0, 10);
        assert!((0..3).all(|_| b.take(&"phone", t0)));
        assert!(!b.take(&"phone", t0), "the burst is spent");
        assert!(b.take(&"other", t0), "another key has its own bucket");
        assert!(
            b.take(&"phone", t0 + Duration::from_millis(500)),
            "one token back after half a second"
        );
        assert!(!b.take(&"phone", t0 + Duration::from_millis(500)));
        assert!(
            (0..3).all(|_| b.take(&"phone", t0 + Duration::from_secs(60))),
            "never more than the burst"
        );
        assert!(!b.take(&"phone", t0 + Duration::from_secs(60)));
    }

    #[test]
    fn buckets_are_bounded_and_forget_idle_keys_first() {
        let t0 = Instant::now();
        let mut b = Buckets::new(2, 1.0, 2);
        assert!(b.take(&1, t0));
        assert!(b.take(&2, t0));
        assert!(!b.take(&3, t0), "full of busy keys: the newcomer is refused");
        assert_eq!(b.len(), 2);
        assert!(b.take(&3, t0 + Duration::from_secs(5)), "idle keys were forgotten");
        assert!(b.len() <= 2);
    }

    #[test]
    fn too_many_wrong_codes_block_an_address_for_a_while() {
        let t0 = Instant::now();
        let mut s = Strikes::new(3, Duration::from_secs(60), Duration::from_secs(600), 100);
        for _ in 0..3 {
            s.strike(ip(2), t0);
        }
        assert!(!s.blocked(ip(2), t0), "the limit itself is allowed");
        s.strike(ip(2), t0);
        assert!(s.blocked(ip(2), t0));
        assert!(!s.blocked(ip(3), t0), "other addresses are not");
        assert!(s.blocked(ip(2), t0 + Duration::from_secs(599)));
        assert!(!s.blocked(ip(2), t0 + Duration::from_secs(600)));
        // Guesses spread over windows never add up to a block.
        let mut s = Strikes::new(3, Duration::from_secs(60), Duration::from_secs(600), 100);
        for w in 0..10 {
            for _ in 0..3 {
                s.strike(ip(4), t0 + Duration::from_secs(60 * w));
            }
        }
        assert!(!s.blocked(ip(4), t0 + Duration::from_secs(600)));
    }

    #[test]
    fn each_ipv6_address_is_its_own_client_and_a_mapped_one_is_its_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("address");
        assert_ne!(client_key(a), client_key(b), "two phones on one Wi-Fi share a /64");
        let mapped: IpAddr = "::ffff:192.168.1.2".parse().expect("address");
        assert_eq!(client_key(mapped), ip(2));
    }

    #[test]
    fn a_flood_of_guesses_from_everywhere_stops_code_checks_for_the_window() {
        let t0 = Instant::now();
        let mut f = Flood::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            f.count(t0);
        }
        assert!(!f.flooded(t0));
        f.count(t0 + Duration::from_secs(1));
        assert!(f.flooded(t0 + Duration::from_secs(1)));
        assert!(
            !f.flooded(t0 + Duration::from_secs(60)),
            "the next window starts afresh"
        );
        f.count(t0 + Duration::from_secs(60));
        assert!(!f.flooded(t0 + Duration::from_secs(60)));
    }

    #[test]
    fn the_strike_table_is_bounded() {
        let t0 = Instant::now();
        let mut s = Strikes::new(3, Duration::from_secs(60), Duration::from_secs(600), 2);
        s.strike(ip(1), t0);
        s.strike(ip(2), t0);
        s.strike(ip(3), t0);
        assert!(s.blocked(ip(3), t0), "a full table refuses newcomers");
        assert!(!s.blocked(ip(1), t0));
        assert!(
            !s.blocked(ip(5), t0 + Duration::from_secs(61)),
            "until its entries expire"
        );
        s.strike(ip(3), t0 + Duration::from_secs(61));
        assert!(
            !s.blocked(ip(3), t0 + Duration::from_secs(61)),
            "expired entries make room"
        );
    }
}
