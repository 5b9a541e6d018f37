//! The Bevy + bevy_egui front end: one plugin per screen or feature, one `Screen` state, the engine inside resources.

pub mod classroom;
pub mod core;
pub mod figure;
mod idle;
mod reload;
pub mod ui;

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{UpdateMode, WinitSettings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::engine::Library;
use core::{Action, DataDir, Engine, NextSeed, Scenarios, Screen, Settings, StudentRecords};

/// How the app opens: user folders, and (for demos and the screenshot tour) a scenario to open,
/// choices to replay and a screen to show.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub folders: Vec<PathBuf>,
    pub open: Option<String>,
    pub choices: Vec<String>,
    pub screen: Option<Screen>,
    pub seed: Option<u64>,
    /// Where records and settings live.
    pub data_dir: PathBuf,
    /// A folder of students' exports for the class report (for demos and the screenshot tour).
    pub class: Option<PathBuf>,
    /// The port the class vote server listens on (`--class-port`; default 8377).
    pub class_port: Option<u16>,
    /// Save what the window shows to this PNG once the startup script has played, then close (`rapport render`).
    pub screenshot: Option<PathBuf>,
}

/// The startup script from [`Options`], played once the app is up.
#[derive(Resource, Debug, Clone, Default)]
struct Startup(Options);

/// Why the app cannot open a window here, in one sentence a student can act on; None where it can try.
pub fn no_display() -> Option<String> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    let needs_one = cfg!(all(unix, not(target_os = "macos")));
    (needs_one && !set("DISPLAY") && !set("WAYLAND_DISPLAY") && !set("WAYLAND_SOCKET")).then(|| {
        "Rapport needs a graphical display to open its window, and there is none here (neither DISPLAY nor \
         WAYLAND_DISPLAY is set): run it from a desktop session, or under a virtual display (`xvfb-run rapport`, with \
         xvfb and mesa-vulkan-drivers installed); the command-line tools (rapport check, play, history, export...) \
         work without a window: see `rapport --help`."
            .to_owned()
    })
}

/// The sentence for a machine with a display but no graphics driver Rapport can draw with.
const NO_GPU: &str = "Rapport found no graphics driver it can draw with (Vulkan, Metal, DirectX or OpenGL): install \
                      your graphics card's driver, or Mesa's software renderer (`mesa-vulkan-drivers libvulkan1` on \
                      Debian and Ubuntu); the command-line tools (rapport check, play, history, export...) work \
                      without a window: see `rapport --help`.";

/// Turns the renderer's and the windowing system's start-up panics into one sentence and exit code 1, instead
/// of a backtrace: a student without a driver needs to know what to install, not where Bevy stopped.
fn explain_startup_failures() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if msg.contains("Unable to find a GPU") || msg.contains("no suitable adapter") {
            eprintln!("{NO_GPU}");
            std::process::exit(1);
        }
        if msg.contains("Failed to build event loop") || msg.contains("neither WAYLAND_DISPLAY") {
            eprintln!(
                "{}",
                no_display().unwrap_or_else(|| format!("Rapport could not open a window: {msg}"))
            );
            std::process::exit(1);
        }
        default(info)
    }));
}

/// Opens the app window and runs until it is closed.
pub fn run(options: Options) -> ExitCode {
    if let Some(why) = no_display() {
        eprintln!("{why}");
        return ExitCode::from(1);
    }
    let lib = match Library::builtin() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let scenarios = Scenarios::load(&lib, &options.folders);
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Rapport".into(),
                    resolution: (1280, 800).into(),
                    ..default()
                }),
                ..default()
            })
            .set(bevy::log::LogPlugin {
                filter: "warn,wgpu=error,naga=error".into(),
                ..default()
            }),
    )
    // Reactive: with no input nothing is redrawn, so an idle app costs (almost) nothing.
    .insert_resource(WinitSettings {
        focused_mode: UpdateMode::reactive(Duration::from_secs(3600)),
        unfocused_mode: UpdateMode::reactive_low_power(Duration::from_secs(3600)),
    })
    .add_plugins(bevy_egui::EguiPlugin::default())
    .insert_resource(ClearColor(Color::srgb(0.16, 0.17, 0.20)))
    .insert_resource(Engine(lib))
    .insert_resource(scenarios)
    .insert_resource(Settings::load(&options.data_dir))
    .insert_resource(StudentRecords::open(&options.data_dir))
    .insert_resource(DataDir(options.data_dir.clone()))
    .insert_resource(core::ClassView {
        folder: options
            .class
            .clone()
            .unwrap_or_else(|| options.data_dir.join("class"))
            .display()
            .to_string(),
        ..default()
    })
    .insert_resource(NextSeed(options.seed))
    .insert_resource(classroom::ServerPlace(crate::engine::classroom::ServerConfig {
        port: options
            .class_port
            .unwrap_or(crate::engine::classroom::ServerConfig::default().port),
        ..default()
    }))
    .add_plugins((
        core::plugin,
        classroom::plugin,
        ui::plugin,
        figure::plugin,
        reload::plugin,
        idle::plugin,
    ))
    .insert_resource(reload::Watched(options.folders.clone()))
    .insert_resource(Capture::new(options.screenshot.clone()))
    .insert_resource(Startup(options))
    .add_systems(Update, (play_startup, first_frames, capture));
    if std::env::var_os("RAPPORT_TRACE_FRAMES").is_some() {
        app.add_systems(Last, trace_frames);
    }
    explain_startup_failures();
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(_) => ExitCode::from(1),
    }
}

/// Plays the startup script once: open a scenario, replay choices, show a screen.
fn play_startup(
    mut startup: ResMut<Startup>,
    scenarios: Res<Scenarios>,
    mut actions: MessageWriter<Action>,
    mut class: MessageWriter<classroom::ClassAction>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    *done = true;
    let o = std::mem::take(&mut startup.0);
    if let Some(id) = &o.open {
        match scenarios.find(id) {
            Some(i) => {
                actions.write(Action::Open(i));
                if o.screen == Some(Screen::Classroom) {
                    class.write(classroom::ClassAction::Start(i));
                } else if o.screen != Some(Screen::Briefing) {
                    actions.write(Action::Begin);
                    for c in &o.choices {
                        actions.write(Action::Choose(c.clone()));
                    }
                    if !o.choices.is_empty() {
                        actions.write(Action::Continue);
                    }
                }
            }
            None => warn!("no clean scenario with id `{id}`"),
        }
    }
    if let Some(s @ (Screen::Settings | Screen::History | Screen::Class)) = o.screen {
        actions.write(Action::Goto(s));
    }
    if o.screen == Some(Screen::Class) && o.class.is_some() {
        actions.write(Action::ReadClass);
    }
}

/// A screenshot to take once the screen has settled, and whether it has been written.
#[derive(Resource, Debug)]
struct Capture {
    path: Option<PathBuf>,
    frames: u32,
    requested: bool,
    written: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Capture {
    fn new(path: Option<PathBuf>) -> Capture {
        Capture {
            path,
            frames: 0,
            requested: false,
            written: Default::default(),
        }
    }
}

/// Takes the screenshot `rapport render` asked for, a few frames after the startup script has played (egui lays
/// panels out over two frames), writes it as a PNG, and closes the app.
fn capture(
    mut commands: Commands,
    mut cap: ResMut<Capture>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(path) = cap.path.clone() else { return };
    // Keep frames coming (the app is otherwise reactive) until the file is written.
    redraw.write(RequestRedraw);
    cap.frames += 1;
    if cap.written.load(std::sync::atomic::Ordering::SeqCst) {
        exit.write(AppExit::Success);
    } else if cap.frames >= 12 && !cap.requested {
        cap.requested = true;
        let written = cap.written.clone();
        commands
            .spawn(bevy::render::view::screenshot::Screenshot::primary_window())
            .observe(move |shot: On<bevy::render::view::screenshot::ScreenshotCaptured>| {
                match write_png(&path, &shot.image) {
                    Ok(()) => eprintln!("wrote {}", path.display()),
                    Err(e) => eprintln!("cannot write {}: {e}", path.display()),
                }
                written.store(true, std::sync::atomic::Ordering::SeqCst);
            });
    }
}

/// Encodes a captured frame (RGBA or BGRA, 8 bits a channel) as a PNG, written atomically.
fn write_png(path: &std::path::Path, image: &Image) -> Result<(), String> {
    let (w, h) = (image.width(), image.height());
    let data = image.data.as_ref().ok_or("the frame has no pixels")?;
    let bgra = matches!(
        image.texture_descriptor.format,
        bevy::render::render_resource::TextureFormat::Bgra8Unorm
            | bevy::render::render_resource::TextureFormat::Bgra8UnormSrgb
    );
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for px in data.chunks_exact(4) {
        if bgra {
            rgb.extend_from_slice(&[px[2], px[1], px[0]]);
        } else {
            rgb.extend_from_slice(&px[..3]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    }
    crate::engine::atomic::write(path, &out).map_err(|e| e.to_string())
}

/// Asks for the first frames: in reactive mode a window may not paint until input arrives.
fn first_frames(mut n: Local<u32>, mut redraw: MessageWriter<RequestRedraw>) {
    if *n < 6 {
        *n += 1;
        redraw.write(RequestRedraw);
    }
}

/// With `RAPPORT_TRACE_FRAMES` set: one line per frame and the redraw requests it carries, to find
/// what keeps an idle app awake.
fn trace_frames(
    mut redraws: MessageReader<RequestRedraw>,
    mut contexts: bevy_egui::EguiContexts,
    time: Res<Time<Real>>,
    mut n: Local<u64>,
) {
    *n += 1;
    let causes = contexts
        .ctx_mut()
        .map(|c| {
            (
                c.repaint_causes(),
                c.input(|i| (i.events.clone(), i.pointer.latest_pos(), i.pointer.is_moving())),
            )
        })
        .ok();
    eprintln!(
        "frame {} at {:.3}s, {} redraw request(s), egui: {causes:?}",
        *n,
        time.elapsed_secs(),
        redraws.read().count()
    );
}
