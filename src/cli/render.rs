//! `rapport render`: any stage of a scenario as the student's screen shows it, saved as a PNG, for authors on
//! a machine without a screen and for the docs. The app itself draws it (the same code a student runs).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use rapport::engine::{Library, Session};

/// The choices that reach `stage` soonest from the start (breadth first, bounded), with the seed given.
fn path_to(
    lib: &Library,
    sc: std::sync::Arc<rapport::engine::Scenario>,
    seed: u64,
    stage: &str,
) -> Option<Vec<String>> {
    let start = Session::new(lib, sc, seed).ok()?;
    let mut queue = std::collections::VecDeque::from([(start, Vec::new())]);
    let mut seen = std::collections::HashSet::new();
    let mut visited = 0;
    while let Some((s, path)) = queue.pop_front() {
        if s.stage_id() == stage && s.ended().is_none() {
            return Some(path);
        }
        visited += 1;
        if visited > 5000 || s.ended().is_some() || !seen.insert(s.state_key()) {
            continue;
        }
        for o in s.available() {
            let mut next = s.clone();
            if next.choose(&o.id).is_ok() {
                let mut p = path.clone();
                p.push(o.id.clone());
                queue.push_back((next, p));
            }
        }
    }
    None
}

/// A virtual display for a machine without one, stopped when dropped.
struct VirtualDisplay(std::process::Child);

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn virtual_display() -> Result<(VirtualDisplay, String), String> {
    let n = 80 + std::process::id() % 100;
    let child = Command::new("Xvfb")
        .args([
            format!(":{n}").as_str(),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|_| {
            "there is no display here, and rendering without one needs Xvfb (Debian: `apt-get install xvfb \
             mesa-vulkan-drivers libvulkan1`)"
                .to_owned()
        })?;
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let t = Instant::now();
    while !socket.exists() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((VirtualDisplay(child), format!(":{n}")))
}

pub struct RenderArgs {
    pub file: PathBuf,
    pub stage: Option<String>,
    pub choices: Option<Vec<String>>,
    pub seed: u64,
    pub output: PathBuf,
}

pub fn run(lib: &Library, a: RenderArgs) -> ExitCode {
    let Some(sc) = super::load_clean(lib, &a.file) else {
        return ExitCode::from(1);
    };
    let choices = match (&a.choices, &a.stage) {
        (Some(c), _) => c.clone(),
        (None, Some(stage)) if sc.stage(stage).is_none() => {
            eprintln!("{} has no stage `{stage}`", a.file.display());
            return ExitCode::from(1);
        }
        (None, Some(stage)) => match path_to(lib, sc.clone(), a.seed, stage) {
            Some(p) => p,
            None => {
                eprintln!(
                    "no play with seed {} reaches the stage `{stage}` (within 5,000 sessions)",
                    a.seed
                );
                return ExitCode::from(1);
            }
        },
        (None, None) => Vec::new(),
    };
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let folder = abs(a
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new(".")));
    let output = if a.output.is_absolute() {
        a.output.clone()
    } else {
        std::env::current_dir()
            .map(|d| d.join(&a.output))
            .unwrap_or(a.output.clone())
    };
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("cannot find the rapport binary to render with");
        return ExitCode::from(1);
    };
    let home = match tempfile::tempdir() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("cannot make a scratch folder: {e}");
            return ExitCode::from(1);
        }
    };
    let mut _xvfb = None;
    let mut cmd = Command::new(exe);
    if !super::has_display(std::env::var_os) {
        match virtual_display() {
            Ok((x, name)) => {
                cmd.env("DISPLAY", name);
                _xvfb = Some(x);
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
    }
    cmd.arg("--scenarios")
        .arg(&folder)
        .args(["--open", &sc.id, "--seed", &a.seed.to_string()])
        .arg("--screenshot")
        .arg(&output)
        .env("RAPPORT_HOME", home.path())
        .stdout(Stdio::null());
    if !choices.is_empty() {
        cmd.arg("--choices").arg(choices.join(","));
    }
    let _ = std::fs::remove_file(&output);
    match cmd.status() {
        Ok(st) if st.success() && output.exists() => {
            println!(
                "rendered {} at stage {} after {} choice(s): {}",
                sc.id,
                a.stage.as_deref().unwrap_or("(as the choices leave it)"),
                choices.len(),
                output.display()
            );
            ExitCode::SUCCESS
        }
        Ok(_) => {
            eprintln!("the app could not render {} (see the message above)", a.file.display());
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("cannot start the app to render: {e}");
            ExitCode::from(1)
        }
    }
}
