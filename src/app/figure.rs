//! The client, drawn with Bevy 2D meshes: posture and expression follow distress and ruptures.

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use super::core::{Active, Mood, Screen};
use crate::engine::check::parse_hex;

/// Where the session screen leaves room for the client, in logical pixels of the window.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct FigureArea {
    pub center: Vec2,
    pub size: Vec2,
}

/// The root of the drawn client.
#[derive(Component)]
pub struct Figure;

/// A part of the drawn client, posed by [`pose`].
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
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
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
        .init_resource::<Pose>()
        .add_systems(Startup, spawn)
        .add_systems(OnEnter(Screen::Session), (show, recolour))
        .add_systems(OnExit(Screen::Session), hide)
        .add_systems(Update, (place, pose).chain().run_if(in_state(Screen::Session)));
}

fn colour(hex: &str, fallback: Color) -> Color {
    parse_hex(hex).map_or(fallback, |[r, g, b]| Color::srgb_u8(r, g, b))
}

const SKIN: Color = Color::srgb(0.80, 0.62, 0.48);
const HAIR: Color = Color::srgb(0.22, 0.16, 0.12);
const CLOTHES: Color = Color::srgb(0.30, 0.42, 0.58);
const INK: Color = Color::srgb(0.12, 0.10, 0.10);

fn spawn(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>, mut materials: ResMut<Assets<ColorMaterial>>) {
    commands.spawn(Camera2d);
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
    let sleeve = materials.add(CLOTHES.darker(0.08));
    let arm = meshes.add(Capsule2d::new(13.0, 64.0));
    let hand_mat = materials.add(SKIN);
    let hand = meshes.add(Circle::new(12.0));
    commands
        .spawn((Figure, Transform::default(), Visibility::Hidden))
        .with_children(|root| {
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
                        ));
                        a.spawn((
                            Mesh2d(hand.clone()),
                            MeshMaterial2d(hand_mat.clone()),
                            Transform::from_xyz(0.0, -88.0, 0.05),
                            Hand,
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

fn show(mut q: Query<&mut Visibility, With<Figure>>, mut redraw: MessageWriter<RequestRedraw>) {
    for mut v in &mut q {
        *v = Visibility::Visible;
    }
    redraw.write(RequestRedraw);
}

fn hide(mut q: Query<&mut Visibility, With<Figure>>) {
    for mut v in &mut q {
        *v = Visibility::Hidden;
    }
}

/// Gives the figure the scenario's colours.
fn recolour(
    active: Res<Active>,
    parts: Query<(&Part, &MeshMaterial2d<ColorMaterial>)>,
    sleeves: Query<&MeshMaterial2d<ColorMaterial>, With<Sleeve>>,
    hands: Query<&MeshMaterial2d<ColorMaterial>, With<Hand>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let Some(sc) = active.scenario() else { return };
    let look = &sc.client.look;
    let (skin, hair, clothes) = (
        colour(&look.skin, SKIN),
        colour(&look.hair, HAIR),
        colour(&look.clothing, CLOTHES),
    );
    let mut set = |mat: &MeshMaterial2d<ColorMaterial>, c: Color| {
        if let Some(mut m) = materials.get_mut(&mat.0) {
            m.color = c;
        }
    };
    for (part, mat) in &parts {
        match part {
            Part::Head | Part::Neck => set(mat, skin),
            Part::Hair => set(mat, hair),
            Part::Torso => set(mat, clothes),
            _ => {}
        }
    }
    for mat in sleeves.iter().take(1) {
        set(mat, clothes.darker(0.08));
    }
    for mat in hands.iter().take(1) {
        set(mat, skin);
    }
}

/// Centres and scales the figure in the room the panels leave.
fn place(area: Res<FigureArea>, windows: Query<&Window>, mut root: Query<&mut Transform, With<Figure>>) {
    let Ok(window) = windows.single() else { return };
    let (w, h) = (window.width(), window.height());
    let scale = (area.size.x.min(area.size.y) / 420.0).clamp(0.3, 2.5);
    for mut t in &mut root {
        let target = Vec3::new(area.center.x - w / 2.0, h / 2.0 - area.center.y - 10.0 * scale, 0.0);
        if t.translation != target || t.scale.x != scale {
            t.translation = target;
            t.scale = Vec3::splat(scale);
        }
    }
}

/// Eases the pose toward the mood's target; asks for frames only while it is still moving.
fn pose(
    active: Res<Active>,
    time: Res<Time>,
    mut current: ResMut<Pose>,
    mut parts: Query<(&Part, &mut Transform), Without<Figure>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let target = Pose::of(Mood::of(&active));
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
    // Leaning in brings the upper body closer (larger); folding in lowers and shrinks it.
    let near = 1.0 + 0.12 * p.lean - 0.04 * p.slump;
    let head_y = 102.0 - 16.0 * p.slump + 4.0 * p.lean;
    let head_x = 12.0 * p.gaze;
    let eye_y = head_y + 6.0 - 5.0 * p.slump.max(0.0);
    for (part, mut tr) in &mut parts {
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
}
