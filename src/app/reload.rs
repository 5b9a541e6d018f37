//! Hot reload: a file watcher on the user's scenario folders wakes the app when a file is saved.

use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use notify::{RecursiveMode, Watcher};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

use super::core::Action;

/// The folders to watch.
#[derive(Resource, Debug, Default)]
pub struct Watched(pub Vec<PathBuf>);

/// The live watcher and the paths it has reported.
#[derive(Resource)]
struct Watcher_ {
    _watcher: notify::RecommendedWatcher,
    changed: Mutex<Receiver<PathBuf>>,
}

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, start).add_systems(Update, forward);
}

fn start(mut commands: Commands, watched: Res<Watched>, proxy: Option<Res<EventLoopProxyWrapper>>) {
    if watched.0.is_empty() {
        return;
    }
    let (tx, rx) = channel();
    let proxy = proxy.map(|p| (**p).clone());
    let handler = move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        if !(event.kind.is_modify() || event.kind.is_create()) {
            return;
        }
        for p in event.paths {
            if p.extension().is_some_and(|e| e == "ron") && !p.to_string_lossy().ends_with(".plays.ron") {
                let _ = tx.send(p);
            }
        }
        // Wake the reactive event loop so the change is seen now, not at the next input.
        if let Some(proxy) = &proxy {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            warn!("hot reload is off: {e}");
            return;
        }
    };
    for dir in &watched.0 {
        if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
            warn!("cannot watch {}: {e}", dir.display());
        }
    }
    commands.insert_resource(Watcher_ {
        _watcher: watcher,
        changed: Mutex::new(rx),
    });
}

fn forward(watcher: Option<Res<Watcher_>>, mut actions: MessageWriter<Action>) {
    let Some(w) = watcher else { return };
    let Ok(rx) = w.changed.lock() else { return };
    let mut seen: Vec<PathBuf> = Vec::new();
    while let Ok(p) = rx.try_recv() {
        // Paths from the watcher are absolute; entries may be relative.
        let p = std::fs::canonicalize(&p).unwrap_or(p);
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    for p in seen {
        actions.write(Action::FileChanged(p));
    }
}
