//! The people in the room, drawn with Bevy 2D meshes side by side: each one's posture follows their own state.

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use super::core::{Active, Mood, Screen};
use crate::engine::format::scenario::Look;

/// Where the session screen leaves room for the client, in logical pixels of the window.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct FigureArea {
    pub center: Vec2,
    pub size: Vec2,
}

/// The most people drawn at once (a group of six); more are listed in words.
pub const MAX_FIGURES: usize = 6;

/// The root of one drawn person: the index of the person it draws.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Figure(pub usize);

/// Which figure a mesh belongs to (for recolouring).
#[derive(Component, Clone, Copy)]
pub struct Owner(pub usize);

/// The pool of light under the person speaking.
#[derive(Component)]
pub struct Spot;

/// Where each of `n` people sits in the figure area: the centre of their slot and the scale of their figure,
/// in the area's units. One home for the layout, used by the drawing and by the name labels under it.
pub fn slots(area: &FigureArea, n: usize) -> Vec<(Vec2, f32)> {
    let n = n.max(1);
    let w = area.size.x / n as f32;
    // A figure is about 250 units wide with its chair and 400 tall from hair to feet, with its name below.
    let scale = (w / 280.0).min((area.size.y - 40.0).max(40.0) / 420.0).clamp(0.2, 2.5);
    (0..n)
        .map(|k| {
            let x = area.center.x - area.size.x / 2.0 + w * (k as f32 + 0.5);
            (Vec2::new(x, area.center.y), scale)
        })
        .collect()
}

/// A part of the drawn client, posed by this module's `pose` system.
#[derive(Component, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    Torso,
    Head,
    Hair,
    EyeLeft,
    EyeRight,
    BrowLeft,
    BrowRight,
    MouthLeft,
    MouthRight,
    /// Shoulder pivots: the arm mesh and hand hang below them.
    ArmLeft,
    ArmRight,
    Neck,
}

/// Pose parameters; each mood has a target and the figure eases toward it.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct Pose {
    /// Forward lean, radians-ish (+ toward the trainee).
    lean: f32,
    /// Gaze and head turn, -1 away .. 0 at you.
    gaze: f32,
    /// Brow tilt: + worried (inner ends up), - angry.
    brow: f32,
    /// Mouth: + smile, - frown.
    mouth: f32,
    /// Arms: 0 at the sides .. 1 crossed or wrapped.
    arms: f32,
    /// Slump: 0 upright .. 1 folded in.
    slump: f32,
}

impl Pose {
    fn of(m: Mood) -> Pose {
        match m {
            Mood::Calm => Pose {
                lean: 0.0,
                gaze: 0.0,
                brow: 0.0,
                mouth: 0.2,
                arms: 0.0,
                slump: 0.0,
            },
            Mood::Distressed => Pose {
                lean: 0.0,
                gaze: -0.2,
                brow: 0.45,
                mouth: -0.35,
                arms: 0.35,
                slump: 0.45,
            },
            Mood::Withdrawn => Pose {
                lean: -0.1,
                gaze: -1.0,
                brow: 0.2,
                mouth: -0.15,
                arms: 0.8,
                slump: 0.8,
            },
            Mood::Confronting => Pose {
                lean: 0.25,
                gaze: 0.0,
                brow: -0.5,
                mouth: -0.3,
                arms: 1.0,
                slump: -0.1,
            },
            Mood::Relieved => Pose {
                lean: 0.05,
                gaze: 0.0,
                brow: 0.1,
                mouth: 0.6,
                arms: 0.0,
                slump: -0.1,
            },
        }
    }

    fn lerp(self, to: Pose, t: f32) -> Pose {
        let l = |a: f32, b: f32| a + (b - a) * t;
        Pose {
            lean: l(self.lean, to.lean),
            gaze: l(self.gaze, to.gaze),
            brow: l(self.brow, to.brow),
            mouth: l(self.mouth, to.mouth),
            arms: l(self.arms, to.arms),
            slump: l(self.slump, to.slump),
        }
    }

    fn distance(self, o: Pose) -> f32 {
        [
            self.lean - o.lean,
            self.gaze - o.gaze,
            self.brow - o.brow,
            self.mouth - o.mouth,
            self.arms - o.arms,
            self.slump - o.slump,
        ]
        .iter()
        .map(|d| d.abs())
        .fold(0.0, f32::max)
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<FigureArea>()
        .add_systems(Startup, spawn)
        // The client is drawn on the student's screen and, large, on the presenter view of a class session.
        .add_systems(OnEnter(Screen::Session), (show, recolour))
        .add_systems(OnEnter(Screen::Classroom), (show, recolour))
        .add_systems(OnExit(Screen::Session), hide)
        .add_systems(OnExit(Screen::Classroom), hide)
        .add_systems(
            Update,
            (place, pose)
                .chain()
                .run_if(in_state(Screen::Session).or_else(in_state(Screen::Classroom))),
        );
}

fn colour(hex: &str, fallback: Color) -> Color {
    Look::rgb(hex).map_or(fallback, |[r, g, b]| Color::srgb_u8(r, g, b))
}

/// A sleeve's colour: the clothing a little darker, in proportion (a fixed step turns dark cloth black).
fn shade(c: Color) -> Color {
    c.mix(&Color::BLACK, 0.18)
}

const SKIN: Color = Color::srgb(0.80, 0.62, 0.48);
const HAIR: Color = Color::srgb(0.22, 0.16, 0.12);
const CLOTHES: Color = Color::srgb(0.30, 0.42, 0.58);
const INK: Color = Color::srgb(0.12, 0.10, 0.10);

fn spawn(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>, mut materials: ResMut<Assets<ColorMaterial>>) {
    commands.spawn(Camera2d);
    for k in 0..MAX_FIGURES {
        spawn_one(k, &mut commands, &mut meshes, &mut materials);
    }
}

fn spawn_one(k: usize, commands: &mut Commands, meshes: &mut Assets<Mesh>, materials: &mut Assets<ColorMaterial>) {
    let wood = materials.add(Color::srgb(0.33, 0.27, 0.24));
    let trousers = materials.add(Color::srgb(0.22, 0.22, 0.28));
    let fixed = [
        (
            meshes.add(Rectangle::new(200.0, 250.0)),
            wood.clone(),
            Vec3::new(0.0, -10.0, -2.0),
        ),
        (
            meshes.add(Rectangle::new(230.0, 28.0)),
            wood,
            Vec3::new(0.0, -118.0, -0.5),
        ),
        (
            meshes.add(Rectangle::new(40.0, 120.0)),
            trousers.clone(),
            Vec3::new(-26.0, -170.0, -0.4),
        ),
        (
            meshes.add(Rectangle::new(40.0, 120.0)),
            trousers,
            Vec3::new(26.0, -170.0, -0.4),
        ),
    ];
    let mut part = |mesh: Mesh, color: Color, part: Part, z: f32| {
        (
            Mesh2d(meshes.add(mesh)),
            MeshMaterial2d(materials.add(color)),
            Transform::from_xyz(0.0, 0.0, z),
            part,
            Owner(k),
        )
    };
    let parts = [
        part(Capsule2d::new(50.0, 70.0).into(), CLOTHES, Part::Torso, 0.0),
        part(Rectangle::new(26.0, 24.0).into(), SKIN, Part::Neck, 0.5),
        part(Circle::new(48.0).into(), HAIR, Part::Hair, 0.9),
        part(Circle::new(44.0).into(), SKIN, Part::Head, 1.0),
        part(Circle::new(5.5).into(), INK, Part::EyeLeft, 1.1),
        part(Circle::new(5.5).into(), INK, Part::EyeRight, 1.1),
        part(Rectangle::new(18.0, 3.5).into(), INK, Part::BrowLeft, 1.1),
        part(Rectangle::new(18.0, 3.5).into(), INK, Part::BrowRight, 1.1),
        part(Rectangle::new(13.0, 3.5).into(), INK, Part::MouthLeft, 1.1),
        part(Rectangle::new(13.0, 3.5).into(), INK, Part::MouthRight, 1.1),
    ];
    let sleeve = materials.add(shade(CLOTHES));
    let arm = meshes.add(Capsule2d::new(13.0, 64.0));
    let hand_mat = materials.add(SKIN);
    let hand = meshes.add(Circle::new(12.0));
    let spot = (
        Mesh2d(meshes.add(Ellipse::new(118.0, 16.0))),
        MeshMaterial2d(materials.add(Color::srgba(1.0, 0.85, 0.45, 0.22))),
        Transform::from_xyz(0.0, -232.0, -0.6),
        Visibility::Hidden,
        Spot,
    );
    commands
        .spawn((Figure(k), Pose::default(), Transform::default(), Visibility::Hidden))
        .with_children(|root| {
            root.spawn(spot);
            for (mesh, mat, at) in fixed {
                root.spawn((Mesh2d(mesh), MeshMaterial2d(mat), Transform::from_translation(at)));
            }
            for p in parts {
                root.spawn(p);
            }
            // Arms hang from shoulder pivots so a rotation swings them from the shoulder.
            for (side, z) in [(Part::ArmLeft, 2.0), (Part::ArmRight, 2.1)] {
                root.spawn((side, Transform::from_xyz(0.0, 0.0, z), Visibility::default()))
                    .with_children(|a| {
                        a.spawn((
                            Mesh2d(arm.clone()),
                            MeshMaterial2d(sleeve.clone()),
                            Transform::from_xyz(0.0, -42.0, 0.0),
                            Sleeve,
                            Owner(k),
                        ));
                        a.spawn((
                            Mesh2d(hand.clone()),
                            MeshMaterial2d(hand_mat.clone()),
                            Transform::from_xyz(0.0, -88.0, 0.05),
                            Hand,
                            Owner(k),
                        ));
                    });
            }
        });
}

/// The sleeve under a shoulder pivot (recoloured with the clothing).
#[derive(Component)]
pub struct Sleeve;

/// A hand under a shoulder pivot (recoloured with the skin).
#[derive(Component)]
pub struct Hand;

fn show(mut redraw: MessageWriter<RequestRedraw>) {
    // `place` shows the figures of the people present.
    redraw.write(RequestRedraw);
}

fn hide(mut q: Query<&mut Visibility, With<Figure>>) {
    for mut v in &mut q {
        *v = Visibility::Hidden;
    }
}

/// Gives each figure its person's colours.
#[allow(clippy::type_complexity)]
fn recolour(
    active: Res<Active>,
    meshes: Query<(
        &Owner,
        Option<&Part>,
        Has<Sleeve>,
        Has<Hand>,
        &MeshMaterial2d<ColorMaterial>,
    )>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let Some(s) = &active.session else { return };
    let looks: Vec<(Color, Color, Color)> = s
        .people()
        .iter()
        .map(|c| {
            (
                colour(&c.look.skin, SKIN),
                colour(&c.look.hair, HAIR),
                colour(&c.look.clothing, CLOTHES),
            )
        })
        .collect();
    for (owner, part, sleeve, hand, mat) in &meshes {
        let Some(&(skin, hair, clothes)) = looks.get(owner.0) else {
            continue;
        };
        let c = match part {
            Some(Part::Head | Part::Neck) => skin,
            Some(Part::Hair) => hair,
            Some(Part::Torso) => clothes,
            _ if sleeve => shade(clothes),
            _ if hand => skin,
            _ => continue,
        };
        if let Some(mut m) = materials.get_mut(&mat.0) {
            m.color = c;
        }
    }
}

/// Seats the people present side by side in the room the panels leave; marks who is speaking.
#[allow(clippy::type_complexity)]
fn place(
    area: Res<FigureArea>,
    active: Res<Active>,
    windows: Query<&Window>,
    mut roots: Query<(&Figure, &mut Transform, &mut Visibility, &Children)>,
    mut spots: Query<&mut Visibility, (With<Spot>, Without<Figure>)>,
) {
    let Ok(window) = windows.single() else { return };
    let Some(s) = &active.session else { return };
    let (w, h) = (window.width(), window.height());
    let present: Vec<usize> = s.state().present.iter().copied().take(MAX_FIGURES).collect();
    let speaker = super::core::speaker(s);
    let seats = slots(&area, present.len());
    for (fig, mut t, mut vis, children) in &mut roots {
        let seat = present.iter().position(|i| *i == fig.0).and_then(|k| seats.get(k));
        let want = if seat.is_some() {
            Visibility::Visible
        } else {
            Visibility::Hidden
        };
        if *vis != want {
            *vis = want;
        }
        let Some(&(c, scale)) = seat else { continue };
        // The figure's meshes span about -235..+160 around its origin: lift it so the whole person fits.
        let target = Vec3::new(c.x - w / 2.0, h / 2.0 - c.y + 30.0 * scale, 0.0);
        if t.translation != target || t.scale.x != scale {
            t.translation = target;
            t.scale = Vec3::splat(scale);
        }
        // The light under the speaker, only where more than one person is in the room.
        let lit = present.len() > 1 && speaker == Some(fig.0);
        for child in children.iter() {
            if let Ok(mut v) = spots.get_mut(child) {
                let want = if lit { Visibility::Visible } else { Visibility::Hidden };
                if *v != want {
                    *v = want;
                }
            }
        }
    }
}

/// Eases each figure's pose toward its person's mood; asks for frames only while one is still moving.
fn pose(
    active: Res<Active>,
    time: Res<Time>,
    mut figures: Query<(&Figure, &mut Pose, &Children)>,
    mut parts: Query<(&Part, &mut Transform), Without<Figure>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for (fig, mut current, children) in &mut figures {
        let target = Pose::of(Mood::of_person(&active, fig.0));
        let t = (time.delta_secs() * 6.0).clamp(0.0, 1.0);
        let p = if current.distance(target) < 0.01 {
            target
        } else {
            current.lerp(target, t.max(0.05))
        };
        if p != *current || current.is_added() {
            *current = p;
            if p != target {
                redraw.write(RequestRedraw);
            }
        }
        let p = *current;
        for child in children.iter() {
            if let Ok((part, mut tr)) = parts.get_mut(child) {
                set_part(part, &mut tr, p);
            }
        }
    }
}

/// Puts one part where the pose says.
fn set_part(part: &Part, tr: &mut Transform, p: Pose) {
    // Leaning in brings the upper body closer (larger); folding in lowers and shrinks it.
    let near = 1.0 + 0.12 * p.lean - 0.04 * p.slump;
    let head_y = 102.0 - 16.0 * p.slump + 4.0 * p.lean;
    let head_x = 12.0 * p.gaze;
    let eye_y = head_y + 6.0 - 5.0 * p.slump.max(0.0);
    let z = tr.translation.z;
    let (x, y, rot, scale) = match part {
        Part::Torso => (0.0, -20.0 - 8.0 * p.slump, 0.0, near),
        Part::Neck => (head_x * 0.3, head_y - 42.0, 0.0, 1.0),
        Part::Hair => (head_x - 2.0 * p.gaze, head_y + 7.0, 0.08 * p.gaze, near),
        Part::Head => (head_x, head_y, 0.08 * p.gaze, near),
        Part::EyeLeft => (head_x - 15.0 + 9.0 * p.gaze, eye_y, 0.0, 1.0),
        Part::EyeRight => (head_x + 15.0 + 9.0 * p.gaze, eye_y, 0.0, 1.0),
        // Worry raises the inner ends of the brows; anger lowers them.
        Part::BrowLeft => (head_x - 15.0 + 8.0 * p.gaze, head_y + 18.0, 0.5 * p.brow, 1.0),
        Part::BrowRight => (head_x + 15.0 + 8.0 * p.gaze, head_y + 18.0, -0.5 * p.brow, 1.0),
        // A smile lifts the outer ends of the mouth.
        Part::MouthLeft => (head_x - 5.5 + 8.0 * p.gaze, head_y - 19.0, -0.6 * p.mouth, 1.0),
        Part::MouthRight => (head_x + 5.5 + 8.0 * p.gaze, head_y - 19.0, 0.6 * p.mouth, 1.0),
        // Arms hang slightly out at the sides, or swing across the chest (crossed or wrapped).
        Part::ArmLeft => (-50.0 * near, 36.0 - 8.0 * p.slump, -0.12 + 1.42 * p.arms, near),
        Part::ArmRight => (50.0 * near, 40.0 - 8.0 * p.slump, 0.12 - 1.42 * p.arms, near),
    };
    tr.translation = Vec3::new(x, y, z);
    tr.rotation = Quat::from_rotation_z(rot);
    tr.scale = Vec3::splat(scale);
}
