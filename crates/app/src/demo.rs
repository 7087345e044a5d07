//! The demo company for `embarq serve --demo`: "Groupe Aurore", a French industrial group
//! of 300 people on six sites, with its org chart, spheres and a month of conversations.
//!
//! Everything is drawn from a seeded generator, so two seeds of an empty database give the
//! same people, spheres and texts (timestamps are relative to the moment of seeding).
use anyhow::{Context, Result, bail};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use embarq_domain::activity::Activity;
use embarq_domain::membership_rules::Rule;
use embarq_domain::{
    Id, OrgId, OrgRole, PostStatus, SphereId, SphereKind, SphereRole, UserId, UserStatus, markdown,
};
use embarq_store::bulk::{
    BulkComment, BulkPost, BulkReaction, BulkSphere, BulkSphereMember, BulkUser,
};
use embarq_store::{Db, now_ms};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use std::collections::{BTreeSet, HashSet};
use std::fmt;

pub const ORG_NAME: &str = "Groupe Aurore";
pub const MANAGER_EMAIL: &str = "admin@aurore.example";
/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "embarq-demo-2026";
const DOMAIN: &str = "aurore.example";
const SEED: u64 = 0x00A0_2026;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// What `seed_demo` created.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    pub org_id: OrgId,
    pub manager_email: String,
    pub password: String,
    pub members: usize,
    pub spheres: usize,
    pub posts: usize,
    pub comments: usize,
    pub reactions: usize,
    /// A few accounts worth trying: "e-mail — who".
    pub sample_logins: Vec<String>,
}

impl fmt::Display for DemoInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Demo company \"{ORG_NAME}\" ({}): {} members, {} spheres, {} posts, {} comments, {} reactions.",
            self.org_id, self.members, self.spheres, self.posts, self.comments, self.reactions
        )?;
        writeln!(
            f,
            "Sign in as the organization manager {} with the password {}",
            self.manager_email, self.password
        )?;
        writeln!(f, "or as anyone else with the same password, for example:")?;
        for l in &self.sample_logins {
            writeln!(f, "  {l}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------

pub const FIRST_F: &[&str] = &[
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Julie",
    "Emma",
    "Louise",
    "Claire",
    "Nathalie",
    "Isabelle",
    "Sophie",
    "Céline",
    "Aurélie",
    "Sandrine",
    "Valérie",
    "Stéphanie",
    "Émilie",
    "Laura",
    "Marion",
    "Pauline",
    "Anaïs",
    "Mélanie",
    "Audrey",
    "Caroline",
    "Élodie",
    "Hélène",
    "Christine",
    "Véronique",
    "Agnès",
    "Florence",
    "Karine",
    "Amandine",
    "Justine",
    "Margaux",
    "Océane",
    "Clémence",
    "Lucie",
    "Nadia",
    "Fatima",
    "Yasmine",
    "Sonia",
    "Martine",
    "Brigitte",
    "Sylvie",
    "Patricia",
    "Morgane",
    "Lina",
    "Jeanne",
];
pub const FIRST_M: &[&str] = &[
    "Hugo",
    "Lucas",
    "Thomas",
    "Nicolas",
    "Julien",
    "Maxime",
    "Antoine",
    "Pierre",
    "Alexandre",
    "Mathieu",
    "Romain",
    "Olivier",
    "Karim",
    "Mehdi",
    "Yannick",
    "Sébastien",
    "Laurent",
    "Christophe",
    "Frédéric",
    "David",
    "Jérôme",
    "Stéphane",
    "Vincent",
    "Guillaume",
    "Benoît",
    "François",
    "Philippe",
    "Patrick",
    "Éric",
    "Thierry",
    "Bruno",
    "Cédric",
    "Damien",
    "Fabien",
    "Kévin",
    "Jordan",
    "Quentin",
    "Florian",
    "Adrien",
    "Baptiste",
    "Loïc",
    "Rachid",
    "Samir",
    "Mamadou",
    "Théo",
    "Louis",
    "Paul",
    "Arnaud",
    "Gilles",
    "Hervé",
];
pub const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Marie",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Benali",
    "Haddad",
    "Diallo",
    "Traoré",
    "Le Gall",
    "Le Goff",
];

const LEVEL_DIRECTION: &str = "Direction";
const LEVEL_CADRE: &str = "Cadre";
const LEVEL_AM: &str = "Agent de maîtrise";
const LEVEL_EMPLOYE: &str = "Employé";
const LEVEL_OUVRIER: &str = "Ouvrier";

/// A job title in its masculine and feminine forms.
type Title = (&'static str, &'static str);

struct Dept {
    name: &'static str,
    size: usize,
    sites: &'static [&'static str],
    head: Title,
    leaders: &'static [Title],
    leader_level: &'static str,
    staff: &'static [(Title, &'static str)],
}

/// Names of the demo company's departments (the benchmarks reuse them).
pub fn department_names() -> impl Iterator<Item = &'static str> {
    DEPTS.iter().map(|d| d.name)
}

const DEPTS: &[Dept] = &[
    Dept {
        name: "Ressources humaines",
        size: 16,
        sites: &["Paris", "Lyon", "Lille"],
        head: (
            "Directeur des ressources humaines",
            "Directrice des ressources humaines",
        ),
        leaders: &[
            ("Responsable RH de site", "Responsable RH de site"),
            ("Responsable paie", "Responsable paie"),
        ],
        leader_level: LEVEL_CADRE,
        staff: &[
            (
                ("Chargé de recrutement", "Chargée de recrutement"),
                LEVEL_CADRE,
            ),
            (("Gestionnaire paie", "Gestionnaire paie"), LEVEL_EMPLOYE),
            (
                ("Chargé de formation", "Chargée de formation"),
                LEVEL_EMPLOYE,
            ),
            (("Assistant RH", "Assistante RH"), LEVEL_EMPLOYE),
            (
                ("Juriste droit social", "Juriste droit social"),
                LEVEL_CADRE,
            ),
        ],
    },
    Dept {
        name: "Finance",
        size: 18,
        sites: &["Paris", "Lyon"],
        head: (
            "Directeur administratif et financier",
            "Directrice administrative et financière",
        ),
        leaders: &[
            ("Responsable comptable", "Responsable comptable"),
            (
                "Contrôleur de gestion senior",
                "Contrôleuse de gestion senior",
            ),
        ],
        leader_level: LEVEL_CADRE,
        staff: &[
            (
                ("Comptable fournisseurs", "Comptable fournisseurs"),
                LEVEL_EMPLOYE,
            ),
            (("Comptable clients", "Comptable clients"), LEVEL_EMPLOYE),
            (
                ("Contrôleur de gestion", "Contrôleuse de gestion"),
                LEVEL_CADRE,
            ),
            (
                ("Assistant comptable", "Assistante comptable"),
                LEVEL_EMPLOYE,
            ),
            (("Trésorier", "Trésorière"), LEVEL_CADRE),
        ],
    },
    Dept {
        name: "Commercial",
        size: 46,
        sites: &["Paris", "Lyon", "Lille", "Nantes", "Bordeaux", "Toulouse"],
        head: ("Directeur commercial", "Directrice commerciale"),
        leaders: &[
            (
                "Responsable régional des ventes",
                "Responsable régionale des ventes",
            ),
            ("Chef des ventes", "Cheffe des ventes"),
        ],
        leader_level: LEVEL_CADRE,
        staff: &[
            (("Commercial terrain", "Commerciale terrain"), LEVEL_EMPLOYE),
            (("Technico-commercial", "Technico-commerciale"), LEVEL_AM),
            (("Chargé d'affaires", "Chargée d'affaires"), LEVEL_CADRE),
            (
                ("Assistant commercial", "Assistante commerciale"),
                LEVEL_EMPLOYE,
            ),
            (
                ("Ingénieur d'affaires", "Ingénieure d'affaires"),
                LEVEL_CADRE,
            ),
        ],
    },
    Dept {
        name: "Marketing",
        size: 18,
        sites: &["Paris"],
        head: (
            "Directeur marketing et communication",
            "Directrice marketing et communication",
        ),
        leaders: &[
            (
                "Responsable marketing produit",
                "Responsable marketing produit",
            ),
            ("Responsable communication", "Responsable communication"),
        ],
        leader_level: LEVEL_CADRE,
        staff: &[
            (("Chef de produit", "Cheffe de produit"), LEVEL_CADRE),
            (
                ("Chargé de communication", "Chargée de communication"),
                LEVEL_EMPLOYE,
            ),
            (("Community manager", "Community manager"), LEVEL_EMPLOYE),
            (("Graphiste", "Graphiste"), LEVEL_EMPLOYE),
            (
                ("Chargé d'études marketing", "Chargée d'études marketing"),
                LEVEL_CADRE,
            ),
        ],
    },
    Dept {
        name: "Production",
        size: 70,
        sites: &["Lyon", "Lille", "Nantes"],
        head: ("Directeur industriel", "Directrice industrielle"),
        leaders: &[
            ("Chef d'équipe production", "Cheffe d'équipe production"),
            ("Responsable d'atelier", "Responsable d'atelier"),
            ("Responsable maintenance", "Responsable maintenance"),
        ],
        leader_level: LEVEL_AM,
        staff: &[
            (
                ("Opérateur de production", "Opératrice de production"),
                LEVEL_OUVRIER,
            ),
            (
                ("Conducteur de ligne", "Conductrice de ligne"),
                LEVEL_OUVRIER,
            ),
            (("Régleur", "Régleuse"), LEVEL_OUVRIER),
            (
                (
                    "Opérateur de conditionnement",
                    "Opératrice de conditionnement",
                ),
                LEVEL_OUVRIER,
            ),
            (
                ("Technicien de maintenance", "Technicienne de maintenance"),
                LEVEL_AM,
            ),
        ],
    },
    Dept {
        name: "Logistique",
        size: 40,
        sites: &["Lille", "Bordeaux", "Toulouse"],
        head: ("Directeur supply chain", "Directrice supply chain"),
        leaders: &[
            ("Responsable d'entrepôt", "Responsable d'entrepôt"),
            ("Chef d'équipe logistique", "Cheffe d'équipe logistique"),
        ],
        leader_level: LEVEL_AM,
        staff: &[
            (
                ("Préparateur de commandes", "Préparatrice de commandes"),
                LEVEL_OUVRIER,
            ),
            (("Cariste", "Cariste"), LEVEL_OUVRIER),
            (("Agent de quai", "Agente de quai"), LEVEL_OUVRIER),
            (
                ("Gestionnaire des flux", "Gestionnaire des flux"),
                LEVEL_EMPLOYE,
            ),
            (("Approvisionneur", "Approvisionneuse"), LEVEL_EMPLOYE),
        ],
    },
    Dept {
        name: "Informatique",
        size: 30,
        sites: &["Paris", "Lyon", "Nantes"],
        head: (
            "Directeur des systèmes d'information",
            "Directrice des systèmes d'information",
        ),
        leaders: &[
            ("Responsable infrastructure", "Responsable infrastructure"),
            (
                "Responsable études et développement",
                "Responsable études et développement",
            ),
            ("Responsable support", "Responsable support"),
        ],
        leader_level: LEVEL_CADRE,
        staff: &[
            (("Développeur", "Développeuse"), LEVEL_CADRE),
            (
                (
                    "Administrateur systèmes et réseaux",
                    "Administratrice systèmes et réseaux",
                ),
                LEVEL_CADRE,
            ),
            (
                ("Technicien support", "Technicienne support"),
                LEVEL_EMPLOYE,
            ),
            (
                (
                    "Chef de projet informatique",
                    "Cheffe de projet informatique",
                ),
                LEVEL_CADRE,
            ),
            (
                ("Analyste cybersécurité", "Analyste cybersécurité"),
                LEVEL_CADRE,
            ),
        ],
    },
    Dept {
        name: "Qualité",
        size: 14,
        sites: &["Lyon", "Lille", "Nantes"],
        head: ("Directeur qualité", "Directrice qualité"),
        leaders: &[("Responsable qualité site", "Responsable qualité site")],
        leader_level: LEVEL_CADRE,
        staff: &[
            (("Technicien qualité", "Technicienne qualité"), LEVEL_AM),
            (("Auditeur interne", "Auditrice interne"), LEVEL_CADRE),
            (
                (
                    "Ingénieur qualité fournisseurs",
                    "Ingénieure qualité fournisseurs",
                ),
                LEVEL_CADRE,
            ),
            (("Animateur HSE", "Animatrice HSE"), LEVEL_AM),
        ],
    },
    Dept {
        name: "Service client",
        size: 43,
        sites: &["Nantes", "Bordeaux", "Toulouse"],
        head: (
            "Directeur de la relation client",
            "Directrice de la relation client",
        ),
        leaders: &[
            ("Responsable de plateau", "Responsable de plateau"),
            ("Superviseur service client", "Superviseuse service client"),
        ],
        leader_level: LEVEL_AM,
        staff: &[
            (
                ("Conseiller clientèle", "Conseillère clientèle"),
                LEVEL_EMPLOYE,
            ),
            (("Chargé de support", "Chargée de support"), LEVEL_EMPLOYE),
            (
                ("Gestionnaire réclamations", "Gestionnaire réclamations"),
                LEVEL_EMPLOYE,
            ),
            (("Téléconseiller", "Téléconseillère"), LEVEL_EMPLOYE),
        ],
    },
];

pub const SITES: &[&str] = &["Paris", "Lyon", "Lille", "Nantes", "Bordeaux", "Toulouse"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rank {
    Ceo,
    /// Direction staff and department heads.
    Head,
    Leader,
    Staff,
}

struct Person {
    id: UserId,
    first: &'static str,
    last: &'static str,
    email: String,
    dept: &'static str,
    site: &'static str,
    title: String,
    level: &'static str,
    rank: Rank,
    manager: Option<usize>,
    birth_year: i64,
    /// How much this person writes (some colleagues post a lot, most a little).
    activity: f64,
}

impl Person {
    fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// `prénom.nom` without accents, spaces or apostrophes.
fn email_local(first: &str, last: &str) -> String {
    let fold = |s: &str| -> String {
        let mut out = String::new();
        for c in s.to_lowercase().chars() {
            match c {
                'à' | 'â' | 'ä' => out.push('a'),
                'é' | 'è' | 'ê' | 'ë' => out.push('e'),
                'î' | 'ï' => out.push('i'),
                'ô' | 'ö' => out.push('o'),
                'ù' | 'û' | 'ü' => out.push('u'),
                'ç' => out.push('c'),
                'œ' => out.push_str("oe"),
                ' ' | '\'' => out.push('-'),
                c if c.is_ascii_alphanumeric() || c == '-' => out.push(c),
                _ => {}
            }
        }
        out
    };
    format!("{}.{}", fold(first), fold(last))
}

/// A position in the org chart, before someone is drawn to fill it.
struct Job {
    dept: &'static str,
    site: &'static str,
    title: Title,
    level: &'static str,
    rank: Rank,
    manager: Option<usize>,
    born: std::ops::RangeInclusive<i64>,
}

struct People {
    list: Vec<Person>,
    emails: HashSet<String>,
    rng: StdRng,
}

impl People {
    /// Fills `job` with a random person.
    fn add(&mut self, job: Job) -> usize {
        let female = self.rng.random_bool(0.48);
        let first = *(if female { FIRST_F } else { FIRST_M })
            .choose(&mut self.rng)
            .unwrap_or(&"Alex");
        let last = *LAST.choose(&mut self.rng).unwrap_or(&"Martin");
        self.add_named(first, last, female, job)
    }

    fn add_named(
        &mut self,
        first: &'static str,
        last: &'static str,
        female: bool,
        job: Job,
    ) -> usize {
        let base = email_local(first, last);
        let mut email = format!("{base}@{DOMAIN}");
        let mut n = 2;
        while self.emails.contains(&email) {
            email = format!("{base}{n}@{DOMAIN}");
            n += 1;
        }
        self.emails.insert(email.clone());
        let activity = match self.rng.random_range(0..10) {
            0 => 6.0,
            1..=3 => 2.0,
            _ => 1.0,
        };
        self.list.push(Person {
            id: UserId::default(),
            first,
            last,
            email,
            dept: job.dept,
            site: job.site,
            title: (if female { job.title.1 } else { job.title.0 }).to_string(),
            level: job.level,
            rank: job.rank,
            manager: job.manager,
            birth_year: self.rng.random_range(job.born),
            activity,
        });
        self.list.len() - 1
    }
}

/// The org chart: the CEO, the Direction team, a head per department, team leaders
/// reporting to heads and their teams, site by site.
fn build_people(rng: StdRng) -> (Vec<Person>, usize) {
    let mut p = People {
        list: Vec::new(),
        emails: HashSet::new(),
        rng,
    };
    let direction = |title: Title, level, rank, manager, born| Job {
        dept: "Direction",
        site: "Paris",
        title,
        level,
        rank,
        manager,
        born,
    };
    let ceo = p.add_named(
        "Catherine",
        "Delaunay",
        true,
        direction(
            (
                "Président-directeur général",
                "Présidente-directrice générale",
            ),
            LEVEL_DIRECTION,
            Rank::Ceo,
            None,
            1963..=1963,
        ),
    );
    // The organization manager account runs internal communication.
    let admin = p.add_named(
        "Élodie",
        "Marchand",
        true,
        direction(
            (
                "Responsable communication interne",
                "Responsable communication interne",
            ),
            LEVEL_CADRE,
            Rank::Head,
            Some(ceo),
            1986..=1986,
        ),
    );
    if let Some(a) = p.list.get_mut(admin) {
        a.email = MANAGER_EMAIL.to_string();
        a.activity = 6.0;
    }
    p.emails.insert(MANAGER_EMAIL.to_string());
    for (title, level, rank, born) in [
        (
            ("Directeur général délégué", "Directrice générale déléguée"),
            LEVEL_DIRECTION,
            Rank::Head,
            1965..=1975,
        ),
        (
            ("Assistant de direction", "Assistante de direction"),
            LEVEL_EMPLOYE,
            Rank::Staff,
            1975..=1995,
        ),
        (
            ("Chargé de mission RSE", "Chargée de mission RSE"),
            LEVEL_CADRE,
            Rank::Staff,
            1985..=1998,
        ),
    ] {
        p.add(direction(title, level, rank, Some(ceo), born));
    }
    for d in DEPTS {
        let head = p.add(Job {
            dept: d.name,
            site: d.sites[0],
            title: d.head,
            level: LEVEL_DIRECTION,
            rank: Rank::Head,
            manager: Some(ceo),
            born: 1960..=1978,
        });
        // Teams of about 8 (the leader included), spread over the department's sites.
        let rest = d.size - 1;
        let teams = rest.div_ceil(8).max(1);
        let mut left = rest;
        for t in 0..teams {
            let size = left / (teams - t);
            left -= size;
            let site = d.sites[t % d.sites.len()];
            let leader = p.add(Job {
                dept: d.name,
                site,
                title: d.leaders[t % d.leaders.len()],
                level: d.leader_level,
                rank: Rank::Leader,
                manager: Some(head),
                born: 1966..=1990,
            });
            for _ in 1..size {
                let (title, level) = d.staff[p.rng.random_range(0..d.staff.len())];
                p.add(Job {
                    dept: d.name,
                    site,
                    title,
                    level,
                    rank: Rank::Staff,
                    manager: Some(leader),
                    born: 1968..=2003,
                });
            }
        }
    }
    (p.list, admin)
}

// ---------------------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------------------

const WELCOME: &str = "## Bienvenue sur embarq ! 🎉\n\n\
À partir d'aujourd'hui, **embarq** devient le réseau de toutes les équipes du Groupe Aurore : \
actualités, entraide, échanges entre nos six sites.\n\n\
Pour bien démarrer :\n\n\
- complétez votre profil (photo, poste, site) ;\n\
- rejoignez la sphère de votre site et celles qui vous intéressent ;\n\
- posez vos questions informatiques dans *Informatique — entraide*.\n\n\
Bonne découverte à toutes et à tous !";

const IT_CHARTER: &str = "## Bienvenue dans l'entraide informatique 👋\n\n\
Ici, chacun peut poser une question ou partager une astuce. Quelques règles :\n\n\
1. cherchez d'abord si la question a déjà été posée ;\n\
2. décrivez le problème (poste, logiciel, message d'erreur) ;\n\
3. pour un incident bloquant, appelez le support au **4400**.\n\n\
Ne partagez jamais un mot de passe, même ici.";

const VIE: &[&str] = &[
    "### Résultats du trimestre\n\nLe chiffre d'affaires du trimestre progresse de **{n} %** par rapport à l'an dernier. Merci à toutes les équipes, en particulier à celles de {site} pour le lancement de la nouvelle ligne.\n\nLe détail sera présenté lors de la prochaine réunion d'information.",
    "Nous avons le plaisir d'accueillir **{collegue}**, qui rejoint l'équipe {dept} à {site}. Réservez-lui un bon accueil ! 👋",
    "📅 **Séminaire annuel** : il aura lieu à Lyon les 12 et 13 du mois prochain. Les invitations arrivent dans vos boîtes cette semaine.",
    "### Nouvelle mutuelle d'entreprise\n\nLes nouvelles garanties entrent en vigueur le 1er du mois. Une permanence RH est organisée sur chaque site :\n\n| Site | Permanence |\n|---|---|\n| Paris | mardi |\n| Lyon | mercredi |\n| Lille | jeudi |\n| Nantes, Bordeaux, Toulouse | en visio vendredi |\n\nVos questions sont les bienvenues en commentaire.",
    "Félicitations à l'équipe **{dept}** de {site}, lauréate du challenge sécurité : {n} jours sans accident ! 👏",
    "La campagne d'entretiens annuels démarre lundi. Le support de préparation est disponible dans l'espace RH ; vos managers reviendront vers vous pour fixer un créneau.",
    "☕ **Petit-déjeuner de bienvenue** vendredi à 9 h pour les nouveaux arrivants de {site}. Venez nombreux !",
    "Rappel : la collecte de **don du sang** se tient {jour} de 10 h à 16 h dans le hall du site de {site}. Inscriptions auprès de l'accueil.",
    "Le Groupe Aurore a obtenu le renouvellement de sa certification **ISO 9001**. Un grand merci à l'équipe Qualité et à tous les sites pour leur implication.",
    "### Fermeture estivale\n\nLes sites de production fermeront trois semaines en août. Pensez à poser vos congés avant la fin du mois dans l'outil RH.",
    "Nous lançons le **baromètre social** : {n} questions, 10 minutes, des réponses anonymes. Votre avis compte !",
    "Bravo à {collegue} pour ses 20 ans d'ancienneté dans le groupe ! 🎂",
    "La nouvelle **plaquette institutionnelle** est disponible, en français et en anglais. N'hésitez pas à la partager avec vos clients et partenaires.",
    "Journée portes ouvertes pour les familles sur le site de {site} le mois prochain : visite des ateliers, animations pour les enfants. Inscrivez-vous auprès de l'accueil !",
    "### Nomination\n\n**{collegue}** prend la responsabilité de l'équipe {dept} à {site}. Toutes nos félicitations !",
    "La **prime d'intéressement** sera versée avec le salaire du mois prochain. Le détail du calcul est disponible dans l'espace RH.",
    "🎄 La fête de fin d'année aura lieu le vendredi 18 décembre sur chaque site. Le programme arrive bientôt !",
    "Le nouveau **livret d'accueil** est en ligne : histoire du groupe, organisation, contacts utiles.",
    "Merci aux {n} collègues qui ont participé à la journée solidaire de {site} 💙",
    "### Plan de formation\n\nLe catalogue de formation de l'an prochain est disponible. Transmettez vos demandes à votre manager avant la fin du mois.",
    "Le Groupe Aurore sera présent au salon de l'industrie de Lyon : venez nous rendre visite sur le stand B{n} !",
    "Les élections du CSE auront lieu le mois prochain. Les listes de candidats seront affichées sur chaque site.",
];

const IT: &[&str] = &[
    "Bonjour, mon **VPN** se déconnecte toutes les dix minutes depuis ce matin. Quelqu'un a une astuce ?",
    "💡 **Astuce du jour** : `Win + Maj + S` pour capturer une zone de l'écran, puis `Ctrl + V` pour la coller directement dans un message.",
    "L'imprimante du 2e étage de {site} affiche « bourrage papier » alors qu'il n'y a rien dedans… Qui a déjà eu le cas ?",
    "### Migration de la messagerie\n\nLa migration des boîtes mail a lieu ce week-end. Lundi matin :\n\n1. redémarrez votre poste ;\n2. ouvrez la messagerie et patientez pendant la synchronisation ;\n3. signalez tout problème au support (poste 4400).\n\nMerci de votre patience !",
    "Comment partager un dossier avec un prestataire externe sans passer par une clé USB ? 🙏",
    "⚠️ **Alerte hameçonnage** : un faux mail « Mise à jour de votre mot de passe » circule. Ne cliquez pas sur le lien et transférez-le à securite@aurore.example.",
    "Quelqu'un sait comment ajouter une signature avec le nouveau logo dans la messagerie ?",
    "Le Wi-Fi invités de {site} a un nouveau mot de passe, disponible à l'accueil.",
    "Besoin d'aide sur Excel : je cherche à faire une **RECHERCHEV** entre deux fichiers, mais j'obtiens `#N/A` partout. Une idée ?",
    "Petit tuto pour réserver une salle de réunion depuis votre téléphone :\n\n- ouvrez le calendrier ;\n- *Nouvel événement* → *Salles* ;\n- choisissez le site **{site}**.\n\nEt voilà !",
    "Mon écran externe n'est plus détecté depuis la dernière mise à jour. D'autres collègues dans le même cas ?",
    "Rappel : le renouvellement des PC portables de {site} commence {jour}. Sauvegardez vos fichiers locaux sur le drive d'équipe avant l'échange.",
    "Quelqu'un a déjà connecté l'imprimante d'étiquettes de l'entrepôt à un nouveau poste ?",
    "La **double authentification** devient obligatoire le mois prochain. Installez dès maintenant l'application d'authentification : le pas-à-pas est sur l'intranet.",
    "Astuce : dans embarq, mentionnez un collègue avec `@` suivi de son adresse pour qu'il soit notifié.",
    "Le logiciel de paie affiche « session expirée » dès la connexion. Quelqu'un d'autre dans ce cas ?",
    "💡 **Astuce** : dans Excel, `Ctrl + ;` insère la date du jour dans une cellule.",
    "Comment récupérer un fichier supprimé par erreur hier sur le drive d'équipe ?",
    "Le scanner du rez-de-chaussée de {site} envoie les documents à une adresse qui n'existe plus. Qui peut corriger ?",
    "### Nouveau portail de tickets\n\nLe support a un nouveau portail : décrivez votre demande, joignez une capture d'écran et suivez l'avancement. Le 4400 reste disponible pour les urgences.",
    "Mon téléphone professionnel ne synchronise plus le calendrier depuis le changement de mot de passe. Une idée ?",
    "Quelqu'un utilise un casque sans fil pour les visioconférences ? Lequel recommandez-vous ?",
    "💡 Pour retrouver un ancien message, tapez `de:prenom.nom` dans la recherche de la messagerie.",
    "Le réseau est très lent à {site} depuis ce matin, c'est pareil pour vous ?",
    "Rappel : verrouillez votre session (`Win + L`) quand vous quittez votre poste 🔒",
];

const SITE: &[&str] = &[
    "🍽️ Le menu du restaurant d'entreprise de {site} pour la semaine est affiché à l'entrée. {jour} : couscous !",
    "Travaux sur le parking de {site} à partir de {jour} : merci de vous garer côté visiteurs pendant deux semaines.",
    "Quelqu'un a perdu un trousseau de clés avec un porte-clés bleu ? Il est à l'accueil de {site}.",
    "### Exercice d'évacuation\n\nUn exercice incendie aura lieu sur le site de {site} dans la semaine. Merci de suivre les consignes des guides et serre-files.",
    "Pot vendredi à 18 h pour fêter le départ en retraite de {collegue} 🥂 Tout le site est invité !",
    "La salle de pause du 1er étage a été rénovée : nouvelle machine à café et micro-ondes. Merci de la garder propre 🙂",
    "Livraison exceptionnelle {jour} matin : le quai 2 sera bloqué de 7 h à 10 h.",
    "Bienvenue aux {n} alternants qui nous rejoignent à {site} cette semaine !",
    "Panne de climatisation au 3e étage : un technicien passe demain. En attendant, les salles du rez-de-chaussée sont disponibles.",
    "Collecte de jouets pour une association locale : un carton est à disposition à l'accueil de {site} jusqu'à vendredi.",
    "Les nouveaux badges d'accès seront distribués {jour} à l'accueil de {site}, pensez à rapporter l'ancien.",
    "Rappel : la navette entre la gare et le site de {site} change d'horaires, premier départ à 7 h 15.",
    "Le distributeur de boissons du hall est réparé ✅",
    "Le food truck sera présent {jour} midi sur le parking de {site} 🌮",
    "Coupure d'eau prévue {jour} entre 13 h et 15 h dans le bâtiment B.",
    "Rappel : le parking sera fermé ce week-end pour nettoyage.",
    "Un grand merci à l'équipe d'entretien de {site} pour la remise en état des espaces verts 🌷",
    "La conciergerie d'entreprise de {site} propose désormais un service de pressing.",
    "Qui a oublié un parapluie noir en salle de réunion ? Il vous attend à l'accueil ☂️",
    "Visite de clients {jour} après-midi : merci de garder les allées dégagées.",
];

const CODIR: &[&str] = &[
    "Ordre du jour du prochain comité :\n\n1. point d'activité par direction ;\n2. budget de l'an prochain ;\n3. projet de nouveau site logistique ;\n4. questions diverses.\n\nMerci d'envoyer vos éléments avant {jour}.",
    "Compte rendu du comité de lundi en ligne. **Décisions** : lancement de l'appel d'offres ERP, recrutements hors production gelés jusqu'à la fin du trimestre.",
    "Le tableau de bord mensuel est disponible : marge brute à {n} %, carnet de commandes en hausse.",
    "Proposition : tenir le prochain comité sur le site de {site}, avec une visite de l'atelier.",
    "Point confidentiel sur le projet d'acquisition : réunion restreinte {jour} à 8 h 30.",
    "Merci à tous pour vos contributions au plan stratégique, la synthèse sera présentée au prochain comité.",
    "Visite du site de {site} confirmée {jour} : arrivée à 9 h, point avec les équipes à 10 h.",
];

const AMBASSADORS: &[&str] = &[
    "Bienvenue aux ambassadeurs ! Notre mission : aider chaque collègue à trouver sa place sur embarq. Premier objectif : {n} % des collaborateurs connectés d'ici la fin du mois.",
    "Idée : un atelier de 15 minutes en salle de pause pour montrer comment rejoindre les sphères de site. Qui est partant à {site} ?",
    "Les chiffres de la semaine : **{n} %** d'activation, les sites de production progressent vite 🚀",
    "Retour du terrain : plusieurs collègues de l'atelier n'ont pas d'adresse e-mail professionnelle. On en parle avec les RH pour l'activation.",
    "Le kit ambassadeur est à jour : affiche, guide de démarrage et FAQ.",
    "Question fréquente : « Mon manager voit-il mes messages privés ? » Non, les messages restent entre les participants.",
    "Bravo à l'équipe de {site} : tous les collègues ont activé leur compte 🎉",
];

const QUALITY: &[&str] = &[
    "### Audit fournisseurs\n\n{n} fournisseurs audités ce trimestre, deux plans d'action en cours. Le détail est dans le rapport partagé.",
    "Nouvelle fiche 5S pour les postes de conditionnement de {site}. Vos retours avant affichage ?",
    "Taux de non-conformité de la semaine : **{n} ‰**, en baisse grâce au nouveau contrôle en sortie de ligne.",
    "Atelier **résolution de problèmes (8D)** {jour} à 14 h, ouvert à tous les chefs d'équipe.",
    "Suggestion d'amélioration de l'équipe de {site} : un détrompeur sur le poste 3. Mise en place la semaine prochaine 👍",
    "Rappel : les réclamations clients doivent être saisies dans l'outil qualité sous 48 h.",
    "Audit de certification dans trois semaines : merci de vérifier que les fiches de poste affichées sont à jour.",
    "Formation aux gestes de premiers secours (SST) : {n} places disponibles à {site}.",
    "Le tableau de bord qualité du mois est en ligne : réclamations clients en baisse de {n} %.",
    "Rappel sécurité : chaussures de sécurité obligatoires dans tout l'atelier, visiteurs compris.",
];

const SPORT: &[&str] = &[
    "🏃 Qui est partant pour la course solidaire de {site} ? On monte une équipe Aurore !",
    "Séance de yoga le {jour} à 12 h 30 en salle polyvalente. Tapis fournis.",
    "Le tournoi de foot inter-sites aura lieu samedi à Lyon. Il reste {n} places dans l'équipe de {site} ⚽",
    "Sortie vélo dimanche matin : 40 km, rythme tranquille, départ 9 h du parking du site.",
    "Nouveau : des ateliers de prévention des troubles musculosquelettiques avec un kinésithérapeute, inscriptions auprès des RH.",
    "Résultats du challenge « 10 000 pas » : bravo à l'équipe {dept} avec {n}0 km parcourus ! 👟",
    "Cours de renforcement musculaire le mardi à 18 h, il reste quelques places 💪",
    "Qui serait intéressé par une équipe pour le semi-marathon du printemps ?",
    "Le club de badminton de {site} cherche des partenaires le jeudi soir 🏸",
    "Atelier sommeil et gestion du stress en visio {jour} à 12 h 30, ouvert à tous.",
];

const CARPOOL: &[&str] = &[
    "🚗 Je fais le trajet vers le site de {site} tous les jours, départ 7 h 30. {n} places libres.",
    "Je cherche un covoiturage vers le site de {site} pour les horaires d'équipe du matin.",
    "Grève des transports {jour} : proposez ou demandez des places ici !",
    "Je propose un aller-retour vers {site} lundi et jeudi, retour vers 17 h 30.",
    "Le parking vélo sécurisé de {site} est ouvert, demandez votre badge à l'accueil 🚲",
    "Trajet régulier proposé depuis le centre-ville vers {site}, horaires de journée, participation aux frais modique.",
    "Rappel : le forfait mobilités durables est versé sur demande auprès des RH 🚲",
    "Quelqu'un va vers {site} vendredi soir ? Je partage volontiers les frais.",
];

const SALES: &[&str] = &[
    "🎉 **Signature** d'un contrat de {n}0 k€ avec un grand compte de la distribution, bravo à l'équipe de {site} !",
    "Le nouveau catalogue est disponible, en PDF et en version papier (à commander auprès du marketing).",
    "Retour du salon professionnel : {n} contacts qualifiés, à répartir entre les régions.",
    "Objectif du mois atteint à {n}0 % à {site}. Dernière ligne droite !",
    "Quelqu'un a des références clients dans l'agroalimentaire pour un appel d'offres ?",
    "### Nouveaux tarifs\n\nLa grille tarifaire évolue au 1er du mois : **+{n} %** en moyenne. L'argumentaire est dans le drive commercial.",
    "Bienvenue à {collegue}, qui renforce l'équipe commerciale de {site} 👋",
    "Le CRM a été mis à jour : une opportunité peut maintenant être rattachée à plusieurs contacts.",
    "Un client historique nous renouvelle sa confiance pour trois ans, {n} références concernées. Bravo à l'équipe de {site} !",
    "Réunion commerciale nationale {jour} à 9 h en visio, l'ordre du jour est dans l'invitation.",
];

const MANAGERS: &[&str] = &[
    "Formation **manager à distance** : deux sessions, {jour} et jeudi, inscription via l'outil RH.",
    "Rappel : les entretiens professionnels doivent être finalisés avant la fin du mois.",
    "Partage d'expérience : comment organisez-vous vos réunions d'équipe avec les horaires postés ?",
    "Le guide d'accueil des nouveaux arrivants a été mis à jour, merci de l'utiliser pour vos prochaines intégrations.",
    "Webinaire sur la prévention des risques psychosociaux {jour} à 11 h.",
    "Nouveau : un module e-learning sur le feedback au quotidien, 20 minutes, disponible dans l'outil RH.",
    "Quels rituels d'équipe fonctionnent bien chez vous pour accueillir un nouvel arrivant ?",
];

const INNOVATION: &[&str] = &[
    "💡 Idée : installer des capteurs de température connectés dans l'entrepôt de {site} pour suivre la chaîne du froid.",
    "Et si on testait un outil de traduction automatique pour les fiches techniques ?",
    "Le hackathon interne revient ! Thème : **la relation client de demain**. Équipes de {n} personnes au plus.",
    "Bravo à l'équipe de {site}, dont l'idée de recyclage des palettes a été retenue 👏",
    "Article intéressant sur la maintenance prédictive : qui veut en discuter autour d'un café ?",
    "Démo de notre prototype d'application de suivi des commandes {jour} à 16 h, venez donner votre avis !",
    "Idée : une boîte à idées numérique par site, avec un vote chaque mois.",
    "Les trois projets retenus au dernier hackathon entrent en phase de test à {site} 🚀",
];

const CSR: &[&str] = &[
    "♻️ Bilan carbone : nos émissions ont baissé de {n} % en deux ans, notamment grâce au fret ferroviaire.",
    "Opération « zéro gobelet » sur le site de {site} : chacun reçoit une gourde aux couleurs d'Aurore.",
    "Appel aux volontaires pour la journée de nettoyage des berges le mois prochain 🌿",
    "{n} bornes de recharge pour véhicules électriques vont être installées sur le parking de {site}.",
    "Le rapport RSE annuel est publié, merci à tous les contributeurs.",
    "Le tri des biodéchets arrive au restaurant d'entreprise de {site}.",
    "Journée sans voiture {jour} : covoiturage, vélo, transports en commun… partagez vos photos !",
];

const ERP: &[&str] = &[
    "Lancement du projet **ERP 2026** : comité de pilotage {jour}. Les référents métier sont invités.",
    "Planning : cadrage ce mois-ci, choix de l'intégrateur au trimestre prochain.",
    "Atelier processus achats {jour} à 10 h, merci de venir avec vos cas particuliers.",
    "Question ouverte : qui gère aujourd'hui les nomenclatures dans l'outil actuel ?",
    "Compte rendu de la démonstration de l'éditeur : points forts sur la logistique, plus faible sur la paie.",
    "Les référents métier ont validé la cartographie des processus logistiques 👍",
    "Point budget : le projet reste dans l'enveloppe prévue à ce stade.",
];

const TEAM: &[&str] = &[
    "Point d'équipe {jour} à 9 h 30 : tour de table des priorités de la semaine. Ajoutez vos sujets en commentaire.",
    "Bienvenue à **{collegue}** qui rejoint l'équipe {dept} à {site} ! 👋",
    "Nous avons mis à jour la **procédure** de l'équipe {dept} : merci d'en prendre connaissance avant {jour}.",
    "Bravo à l'équipe de {site} : {n} dossiers bouclés ce mois-ci. 👏",
    "Qui a un retour d'expérience sur le nouvel outil de planification ? On en parle {jour}.",
];

const CLOSINGS: &[&str] = &[
    "Bonne journée à toutes et à tous !",
    "N'hésitez pas si vous avez des questions.",
    "Merci d'avance 🙏",
    "À vos commentaires !",
    "Merci à tous pour votre mobilisation.",
    "Plus d'informations très bientôt.",
];

const COMMENTS: &[&str] = &[
    "Merci pour l'info !",
    "Super nouvelle 👏",
    "Bravo à toute l'équipe !",
    "Merci {prenom} !",
    "Très bonne idée, je relaie auprès de mon équipe.",
    "Est-ce que c'est aussi valable pour le site de {site} ?",
    "J'ai eu le même souci, redémarrer le poste a suffi.",
    "Top, merci pour le partage.",
    "On en parle à la prochaine réunion ?",
    "Je m'inscris !",
    "Génial 😀",
    "Félicitations !",
    "Merci, c'est très clair.",
    "Je te contacte en message privé.",
    "Bonne idée, on pourrait l'étendre aux autres sites.",
    "Quelle est la date limite ?",
    "Je confirme, ça fonctionne.",
    "Excellente initiative 👍",
    "Bienvenue !",
    "Est-ce qu'il reste de la place ?",
    "Merci pour ce rappel.",
    "Ça tombe bien, j'allais justement poser la question.",
    "Je transmets à l'équipe de nuit.",
    "Bravo, c'est bien mérité !",
    "Le lien ne fonctionne pas chez moi, quelqu'un peut vérifier ?",
    "Compte sur moi.",
    "Très utile, merci !",
    "+1, même constat de notre côté.",
    "Je peux aider si besoin.",
    "Merci à toi !",
    "Pensez à vous inscrire vite, les places partent rapidement.",
    "Vivement !",
    "On a testé à {site}, ça marche très bien.",
    "Est-ce qu'il y aura une session en visio pour les autres sites ?",
];

const DAYS: &[&str] = &["lundi", "mardi", "mercredi", "jeudi", "vendredi"];
/// The reactions the web offers, with how often people pick them.
const REACTIONS: &[(&str, u32)] = &[("👍", 50), ("❤️", 15), ("🎉", 15), ("😂", 5), ("💡", 15)];

struct Fill<'a> {
    site: &'a str,
    dept: &'a str,
    colleague: String,
    first: &'a str,
    n: u32,
    day: &'a str,
}

fn fill(template: &str, f: &Fill<'_>) -> String {
    template
        .replace("{site}", f.site)
        .replace("{dept}", f.dept)
        .replace("{collegue}", &f.colleague)
        .replace("{prenom}", f.first)
        .replace("{n}", &f.n.to_string())
        .replace("{jour}", f.day)
}

// ---------------------------------------------------------------------------------------
// Spheres
// ---------------------------------------------------------------------------------------

struct SphereDef {
    name: String,
    description: String,
    kind: SphereKind,
    requires_approval: bool,
    admins: Vec<usize>,
    publishers: Vec<usize>,
    members: BTreeSet<usize>,
    templates: &'static [&'static str],
    posts: usize,
    site: Option<&'static str>,
    /// Members come from the directory by this rule (people added later join too).
    rule: Option<Rule>,
}

impl SphereDef {
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &str,
        description: &str,
        kind: SphereKind,
        admins: Vec<usize>,
        members: impl IntoIterator<Item = usize>,
        templates: &'static [&'static str],
        posts: usize,
    ) -> SphereDef {
        let mut all: BTreeSet<usize> = members.into_iter().collect();
        all.extend(admins.iter().copied());
        SphereDef {
            name: name.to_string(),
            description: description.to_string(),
            kind,
            requires_approval: false,
            admins,
            publishers: Vec::new(),
            members: all,
            templates,
            posts,
            site: None,
            rule: None,
        }
    }

    fn role(&self, person: usize) -> SphereRole {
        if self.admins.contains(&person) {
            SphereRole::Admin
        } else if self.publishers.contains(&person) {
            SphereRole::Publisher
        } else {
            SphereRole::Member
        }
    }
}

fn build_spheres(people: &[Person], admin: usize, rng: &mut StdRng) -> Vec<SphereDef> {
    let all = 0..people.len();
    let idx = |f: &dyn Fn(&Person) -> bool| -> Vec<usize> {
        (0..people.len()).filter(|i| f(&people[*i])).collect()
    };
    let ceo = idx(&|p| p.rank == Rank::Ceo);
    let heads = idx(&|p| p.rank == Rank::Head && p.manager.is_some());
    let leaders = idx(&|p| p.rank == Rank::Leader);
    let head_of =
        |dept: &str| idx(&|p| p.rank == Rank::Head && p.dept == dept && p.level == LEVEL_DIRECTION);
    let dgd = idx(&|p| p.dept == "Direction" && p.level == LEVEL_DIRECTION && p.rank == Rank::Head);
    let sample = |share: f64, rng: &mut StdRng| -> Vec<usize> {
        (0..people.len())
            .filter(|_| rng.random_bool(share))
            .collect()
    };

    let mut spheres = Vec::new();
    let mut vie = SphereDef::new(
        "Vie de l'entreprise",
        "Les actualités du Groupe Aurore : annonces, nominations, événements. Les publications des membres sont relues par l'équipe communication.",
        SphereKind::Open,
        [vec![admin], ceo.clone()].concat(),
        all.clone(),
        VIE,
        40,
    );
    vie.requires_approval = true;
    vie.rule = Some(Rule::Everyone);
    vie.publishers = [
        head_of("Ressources humaines"),
        head_of("Marketing"),
        dgd.clone(),
    ]
    .concat();
    spheres.push(vie);

    let it_people = idx(&|p| p.dept == "Informatique");
    let it_leads = idx(&|p| p.dept == "Informatique" && p.rank != Rank::Staff);
    let mut it_members = sample(0.45, rng);
    it_members.extend(&it_people);
    spheres.push(SphereDef::new(
        "Informatique — entraide",
        "Vos questions sur les postes, logiciels, imprimantes et téléphones, et les astuces des uns et des autres. Incident bloquant : support au 4400.",
        SphereKind::Open,
        it_leads,
        it_members,
        IT,
        48,
    ));

    for site in SITES {
        let here = idx(&|p| p.site == *site);
        // The most senior people of the site administer it.
        let mut admins: Vec<usize> = here
            .iter()
            .copied()
            .filter(|i| people[*i].rank == Rank::Head)
            .take(2)
            .collect();
        if admins.is_empty() {
            admins = here
                .iter()
                .copied()
                .filter(|i| people[*i].rank == Rank::Leader)
                .take(2)
                .collect();
        }
        let mut s = SphereDef::new(
            &format!("Site de {site}"),
            &format!(
                "La vie du site de {site} : informations pratiques, restaurant, travaux, événements."
            ),
            SphereKind::Open,
            admins,
            here,
            SITE,
            if *site == "Paris" { 28 } else { 24 },
        );
        s.site = Some(site);
        s.rule = Some(Rule::Site(site.to_string()));
        spheres.push(s);
    }
    for dept in DEPTS {
        let team = idx(&|p| p.dept == dept.name);
        let mut s = SphereDef::new(
            &format!("Équipe {}", dept.name),
            &format!(
                "L'équipe {} de tous les sites : organisation, bonnes pratiques, entraide.",
                dept.name
            ),
            SphereKind::Open,
            head_of(dept.name),
            team,
            TEAM,
            6,
        );
        s.rule = Some(Rule::Department(dept.name.to_string()));
        spheres.push(s);
    }

    spheres.push(SphereDef::new(
        "Comité de direction",
        "Préparation et suivi du comité de direction.",
        SphereKind::Closed,
        ceo.clone(),
        [heads.clone(), vec![admin]].concat(),
        CODIR,
        12,
    ));

    let mut ambassadors: Vec<usize> = idx(&|p| p.rank == Rank::Staff || p.rank == Rank::Leader);
    ambassadors.shuffle(rng);
    ambassadors.truncate(12);
    spheres.push(SphereDef::new(
        "Ambassadeurs embarq",
        "Le groupe des ambassadeurs qui accompagnent le déploiement d'embarq sur les sites.",
        SphereKind::Secret,
        vec![admin],
        ambassadors,
        AMBASSADORS,
        12,
    ));

    let mut quality =
        idx(&|p| p.dept == "Qualité" || (p.dept == "Production" && p.rank != Rank::Staff));
    quality.extend(
        idx(&|p| p.dept == "Production")
            .into_iter()
            .filter(|_| rng.random_bool(0.25)),
    );
    spheres.push(SphereDef::new(
        "Qualité & amélioration continue",
        "Indicateurs qualité, audits, idées d'amélioration des ateliers.",
        SphereKind::Open,
        head_of("Qualité"),
        quality,
        QUALITY,
        22,
    ));

    let sport_admin = vec![
        idx(&|p| p.rank == Rank::Staff && p.site == "Lyon")
            .first()
            .copied()
            .unwrap_or(admin),
    ];
    spheres.push(SphereDef::new(
        "Sport & bien-être",
        "L'association sportive, les défis, les séances de yoga et tout ce qui fait du bien.",
        SphereKind::Open,
        sport_admin,
        sample(0.35, rng),
        SPORT,
        22,
    ));
    spheres.push(SphereDef::new(
        "Covoiturage & mobilité",
        "Proposez ou cherchez un trajet, partagez les bons plans de mobilité.",
        SphereKind::Open,
        vec![admin],
        sample(0.2, rng),
        CARPOOL,
        16,
    ));

    let sales = idx(&|p| {
        p.dept == "Commercial"
            || p.dept == "Marketing"
            || (p.dept == "Service client" && p.rank != Rank::Staff)
    });
    spheres.push(SphereDef::new(
        "Actualités commerciales",
        "Signatures, salons, tarifs et argumentaires.",
        SphereKind::Open,
        head_of("Commercial"),
        sales,
        SALES,
        24,
    ));
    spheres.push(SphereDef::new(
        "Réseau des managers",
        "Entre managers : formations, outils RH, partage d'expériences.",
        SphereKind::Closed,
        head_of("Ressources humaines"),
        [heads.clone(), leaders.clone(), ceo.clone()].concat(),
        MANAGERS,
        14,
    ));
    let mut innovation = sample(0.25, rng);
    innovation.extend(&it_people);
    spheres.push(SphereDef::new(
        "Innovation & idées",
        "Vos idées pour améliorer nos produits, nos ateliers et notre quotidien.",
        SphereKind::Open,
        dgd.clone(),
        innovation,
        INNOVATION,
        18,
    ));
    let csr_lead = idx(&|p| p.title.contains("RSE"));
    spheres.push(SphereDef::new(
        "RSE & développement durable",
        "Nos engagements environnementaux et sociaux, et comment chacun peut agir.",
        SphereKind::Open,
        if csr_lead.is_empty() {
            vec![admin]
        } else {
            csr_lead
        },
        sample(0.2, rng),
        CSR,
        14,
    ));
    let erp = idx(&|p| {
        (p.dept == "Informatique" || p.dept == "Finance" || p.dept == "Logistique")
            && p.rank != Rank::Staff
    });
    spheres.push(SphereDef::new(
        "Projet ERP 2026",
        "Le projet de remplacement de l'ERP : planning, ateliers, décisions.",
        SphereKind::Closed,
        head_of("Informatique"),
        erp,
        ERP,
        14,
    ));
    spheres
}

// ---------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------

/// A UUIDv7 of the given instant with seeded random bits, so ids sort like creation times.
fn id_at(rng: &mut StdRng, ms: i64) -> Id {
    let mut b = [0u8; 10];
    rng.fill(&mut b);
    uuid::Builder::from_unix_timestamp_millis(ms.max(0) as u64, &b).into_uuid()
}

/// A working-hours instant within the last `days` days (weekends are quieter), in the past.
fn work_time(rng: &mut StdRng, now: i64, days: i64) -> i64 {
    let today = now - now.rem_euclid(DAY);
    loop {
        let day = today - rng.random_range(0..days) * DAY;
        // 1970-01-01 was a Thursday: 0 = Thursday ... 2 = Saturday, 3 = Sunday.
        let weekday = (day / DAY).rem_euclid(7);
        if (weekday == 2 || weekday == 3) && rng.random_bool(0.85) {
            continue;
        }
        // 7:00-18:00 UTC, i.e. office hours in France.
        let t = day + 7 * HOUR + rng.random_range(0..11 * HOUR);
        if t < now - 10 * MINUTE {
            return t;
        }
    }
}

async fn hash_password(password: &'static str) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))
    })
    .await
    .context("hashing task")?
}

/// Creates the demo company in an empty database and prints how to sign in. Refuses if
/// any organization exists.
/// Who came on which day since their activation, for the adoption figures: the regulars most
/// working days, the occasional ones some, weekends quiet, and some stop coming after a few
/// weeks (most of them occasional ones); with the days they posted, until then,
/// commented and reacted. Until yesterday: today's visits are real ones.
fn history(
    people: &[Person],
    users: &[BulkUser],
    posts: &[BulkPost],
    comments: &[BulkComment],
    reactions: &[BulkReaction],
    now: i64,
) -> Vec<(i64, UserId, i32)> {
    let mut rng = StdRng::seed_from_u64(SEED ^ 0xDA75);
    let today = now.div_euclid(DAY);
    let visit = Activity::Visited.bit() | Activity::Read.bit();
    let mut days: std::collections::BTreeMap<(i64, UserId), i32> = Default::default();
    let by_id: std::collections::HashMap<UserId, &Person> =
        people.iter().map(|p| (p.id, p)).collect();
    // The last day each person comes; what they wrote later is not counted as a visit.
    let mut until: std::collections::HashMap<UserId, i64> = Default::default();
    for u in users {
        let (Some(activated), Some(p)) = (u.activated_at, by_id.get(&u.id)) else {
            continue;
        };
        // Regulars come most days and seldom stop; occasional people the reverse.
        let (chance, drop) = if p.activity >= 6.0 {
            (0.85, 0.05)
        } else if p.activity >= 2.0 {
            (0.5, 0.3)
        } else {
            (0.2, 0.6)
        };
        let first = activated.div_euclid(DAY);
        let last = if rng.random_bool(drop) {
            first + rng.random_range(3..35)
        } else {
            today
        };
        until.insert(u.id, last);
        days.insert((first, u.id), visit);
        for day in first + 1..last.min(today) {
            let weekend = (day + 3).rem_euclid(7) >= 5;
            if rng.random_bool(if weekend { chance / 5.0 } else { chance }) {
                *days.entry((day, u.id)).or_default() |= visit;
            }
        }
    }
    let done = posts
        .iter()
        .map(|p| (p.created_at, p.author_id, Activity::Posted))
        .chain(
            comments
                .iter()
                .map(|c| (c.created_at, c.author_id, Activity::Commented)),
        )
        .chain(
            reactions
                .iter()
                .map(|r| (r.created_at, r.user_id, Activity::Reacted)),
        );
    for (at, who, kind) in done {
        let day = at.div_euclid(DAY);
        if day < today && until.get(&who).is_none_or(|last| day < *last) {
            *days.entry((day, who)).or_default() |= visit | kind.bit();
        }
    }
    days.into_iter()
        .map(|((day, who), kinds)| (day, who, kinds))
        .collect()
}

pub async fn seed_demo(db: &Db) -> Result<DemoInfo> {
    if db.organization_count().await? > 0 {
        bail!(
            "the database already holds an organization: the demo company is only created in an empty database"
        );
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let now = now_ms();
    let launch = now - 45 * DAY;
    let hash = hash_password(DEMO_PASSWORD).await?;

    let (mut people, admin) = build_people(StdRng::seed_from_u64(SEED ^ 0x5EED));
    for (i, p) in people.iter_mut().enumerate() {
        p.id = UserId(id_at(&mut rng, launch + i as i64 * MINUTE));
    }
    let org_id = OrgId(id_at(&mut rng, launch - DAY));
    db.insert_organization_at(org_id, ORG_NAME, launch - DAY)
        .await?;
    // Managers before the people reporting to them.
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by_key(|i| people[*i].rank as u8);
    let users: Vec<BulkUser> = order
        .iter()
        .map(|i| {
            let p = &people[*i];
            let created = launch + *i as i64 * MINUTE;
            BulkUser {
                id: p.id,
                email: p.email.clone(),
                password_hash: Some(hash.clone()),
                display_name: p.name(),
                first_name: Some(p.first.to_string()),
                last_name: Some(p.last.to_string()),
                title: Some(p.title.clone()),
                department: Some(p.dept.to_string()),
                site: Some(p.site.to_string()),
                birth_year: Some(p.birth_year),
                level: Some(p.level.to_string()),
                manager_id: p.manager.map(|m| people[m].id),
                employee_id: Some(format!("AUR-{:05}", 1 + *i)),
                org_role: if *i == admin {
                    OrgRole::Manager
                } else {
                    OrgRole::Member
                },
                status: UserStatus::Active,
                locale: Some("fr".to_string()),
                created_at: created,
                activated_at: Some(created + rng.random_range(HOUR..10 * DAY)),
            }
        })
        .collect();
    db.bulk_insert_users(org_id, &users).await?;

    let defs = build_spheres(&people, admin, &mut rng);
    let mut spheres = Vec::new();
    let mut memberships = Vec::new();
    let mut sphere_ids = Vec::new();
    for (k, d) in defs.iter().enumerate() {
        let created = launch + HOUR + k as i64 * 10 * MINUTE;
        let id = SphereId(id_at(&mut rng, created));
        sphere_ids.push(id);
        spheres.push(BulkSphere {
            id,
            name: d.name.clone(),
            description: d.description.clone(),
            kind: d.kind,
            requires_approval: d.requires_approval,
            created_by: people[d.admins.first().copied().unwrap_or(admin)].id,
            created_at: created,
        });
        for m in &d.members {
            let role = d.role(*m);
            memberships.push(BulkSphereMember {
                sphere_id: id,
                user_id: people[*m].id,
                role,
                via_rule: d.rule.is_some() && role == SphereRole::Member,
                joined_at: created + rng.random_range(0..10 * DAY),
            });
        }
    }
    db.bulk_insert_spheres(org_id, &spheres).await?;
    db.bulk_insert_sphere_members(&memberships).await?;
    // The ambassadors are the confirmed champions, their secret sphere the champions' one.
    if let Some((d, id)) = defs
        .iter()
        .zip(&sphere_ids)
        .find(|(d, _)| d.kind == SphereKind::Secret)
    {
        let champions: Vec<UserId> = d
            .members
            .iter()
            .filter(|m| **m != admin)
            .map(|m| people[*m].id)
            .collect();
        db.bulk_insert_champions(org_id, *id, people[admin].id, &champions, launch - 7 * DAY)
            .await?;
    }
    for (d, id) in defs.iter().zip(&sphere_ids) {
        if let Some(rule) = &d.rule {
            let by = people[admin].id;
            db.add_sphere_rule(org_id, *id, rule, by, &Default::default())
                .await?;
        }
    }

    let mut posts = Vec::new();
    let mut comments = Vec::new();
    let mut reactions = Vec::new();
    let emoji_weights: Vec<u32> = REACTIONS.iter().map(|r| r.1).collect();
    let pick_emoji = WeightedIndex::new(&emoji_weights).context("reaction weights")?;
    for (k, d) in defs.iter().enumerate() {
        let members: Vec<usize> = d.members.iter().copied().collect();
        // Where posts need approval, what is published comes from administrators and publishers.
        let posters: Vec<usize> = if d.requires_approval {
            [d.admins.clone(), d.publishers.clone()].concat()
        } else {
            members.clone()
        };
        let weights: Vec<f64> = posters.iter().map(|p| people[*p].activity).collect();
        let pick_poster = WeightedIndex::new(&weights).context("poster weights")?;
        let mut texts: Vec<&str> = d.templates.to_vec();
        texts.shuffle(&mut rng);
        let mut planned: Vec<(usize, &str, i64, bool, PostStatus)> = Vec::new();
        match d.name.as_str() {
            "Vie de l'entreprise" => {
                let ceo = posters
                    .iter()
                    .copied()
                    .find(|p| people[*p].rank == Rank::Ceo)
                    .unwrap_or(admin);
                planned.push((
                    ceo,
                    WELCOME,
                    now - 29 * DAY - now.rem_euclid(DAY) + 8 * HOUR,
                    true,
                    PostStatus::Published,
                ));
                // Two posts of plain members wait for approval.
                let plain: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|m| d.role(*m) == SphereRole::Member)
                    .collect();
                for t in [
                    "Bonjour à tous, l'équipe de {site} organise une collecte pour une association locale. Pourrait-on relayer l'information ici ?",
                    "Proposition : un afterwork inter-services le mois prochain à {site}, qui serait intéressé ?",
                ] {
                    let author = *plain.choose(&mut rng).unwrap_or(&admin);
                    planned.push((
                        author,
                        t,
                        now - rng.random_range(2 * HOUR..2 * DAY),
                        false,
                        PostStatus::Pending,
                    ));
                }
            }
            "Informatique — entraide" => {
                let author = d.admins.first().copied().unwrap_or(admin);
                planned.push((
                    author,
                    IT_CHARTER,
                    now - 28 * DAY - now.rem_euclid(DAY) + 9 * HOUR,
                    true,
                    PostStatus::Published,
                ));
            }
            _ => {}
        }
        while planned.len() < d.posts {
            let text = texts[planned.len() % texts.len()];
            let author = posters[pick_poster.sample(&mut rng)];
            planned.push((
                author,
                text,
                work_time(&mut rng, now, 30),
                false,
                PostStatus::Published,
            ));
        }
        for (author, template, at, pinned, status) in planned {
            let a = &people[author];
            // Company-wide announcements talk about someone else (a newcomer, a team);
            // elsewhere people talk about their own site and team.
            let subject = &people[members
                .iter()
                .copied()
                .filter(|m| *m != author)
                .collect::<Vec<_>>()
                .choose(&mut rng)
                .copied()
                .unwrap_or(author)];
            let (site, dept) = match d.site {
                Some(site) => (site, a.dept),
                None if d.requires_approval => (subject.site, subject.dept),
                None => (a.site, a.dept),
            };
            let f = Fill {
                site,
                dept,
                colleague: subject.name(),
                first: a.first,
                n: rng.random_range(3..40),
                day: DAYS.choose(&mut rng).copied().unwrap_or("lundi"),
            };
            let mut body = fill(template, &f);
            if !pinned && status == PostStatus::Published && rng.random_bool(0.3) {
                body.push_str("\n\n");
                body.push_str(CLOSINGS.choose(&mut rng).copied().unwrap_or_default());
            }
            let post_id = id_at(&mut rng, at);
            let mut comment_count = 0;
            let mut reaction_count = 0;
            if status == PostStatus::Published {
                let others: Vec<usize> = members.iter().copied().filter(|m| *m != author).collect();
                let n_comments = match rng.random_range(0..10) {
                    0..=2 => 0,
                    3..=6 => rng.random_range(1..=2),
                    _ => rng.random_range(3..=7),
                }
                .min(others.len());
                let mut t = at;
                for c in others.sample(&mut rng, n_comments) {
                    t = (t + rng.random_range(5 * MINUTE..20 * HOUR)).min(now - MINUTE);
                    let who = &people[*c];
                    let reply = COMMENTS.choose(&mut rng).copied().unwrap_or("Merci !");
                    let text = fill(
                        reply,
                        &Fill {
                            site: who.site,
                            dept: who.dept,
                            colleague: a.name(),
                            first: a.first,
                            n: 0,
                            day: "lundi",
                        },
                    );
                    comments.push(BulkComment {
                        id: id_at(&mut rng, t),
                        post_id,
                        author_id: who.id,
                        body_html: markdown::render_stored(&text),
                        body_md: text,
                        created_at: t,
                    });
                    comment_count += 1;
                }
                let popular = if pinned || rng.random_bool(0.15) {
                    40
                } else {
                    12
                };
                let n_reactions = rng.random_range(0..=popular).min(others.len());
                for r in others.sample(&mut rng, n_reactions) {
                    reactions.push(BulkReaction {
                        post_id,
                        user_id: people[*r].id,
                        emoji: REACTIONS[pick_emoji.sample(&mut rng)].0.to_string(),
                        created_at: (at + rng.random_range(MINUTE..2 * DAY)).min(now - MINUTE),
                    });
                    reaction_count += 1;
                }
            }
            posts.push(BulkPost {
                id: post_id,
                sphere_id: sphere_ids[k],
                author_id: a.id,
                body_html: markdown::render_stored(&body),
                body_md: body,
                status,
                pinned,
                comment_count,
                reaction_count,
                created_at: at,
                updated_at: at,
            });
        }
    }
    posts.sort_by_key(|p| (p.created_at, p.id));
    db.bulk_insert_posts(org_id, &posts).await?;
    db.bulk_insert_comments(&comments).await?;
    db.bulk_insert_reactions(&reactions).await?;
    let history = history(&people, &users, &posts, &comments, &reactions, now);
    db.bulk_insert_activity(org_id, &history).await?;
    // A contest between the sites, three weeks in: its leaderboard has a history to show.
    db.contest_create(&embarq_store::NewContest {
        org_id,
        name: "Défi des sites",
        dimension: "site",
        metric: "contributions_per_member",
        starts_at: now - 21 * DAY,
        ends_at: now + 9 * DAY,
        created_by: people[admin].id,
    })
    .await?;

    let find = |f: &dyn Fn(&Person) -> bool, who: &str| -> Option<String> {
        people
            .iter()
            .find(|p| f(p))
            .map(|p| format!("{} — {} ({who})", p.email, p.name()))
    };
    let ambassador = defs
        .iter()
        .find(|d| d.kind == SphereKind::Secret)
        .and_then(|d| d.members.iter().copied().find(|m| *m != admin))
        .map(|m| {
            format!(
                "{} — {} (member of the secret sphere)",
                people[m].email,
                people[m].name()
            )
        });
    let sample_logins: Vec<String> = [
        find(&|p| p.rank == Rank::Ceo, "CEO, Comité de direction"),
        find(
            &|p| p.rank == Rank::Head && p.dept == "Ressources humaines",
            "HR director",
        ),
        find(
            &|p| p.rank == Rank::Leader && p.dept == "Production",
            "production team leader",
        ),
        find(
            &|p| p.level == LEVEL_OUVRIER && p.site == "Lille",
            "factory worker in Lille",
        ),
        find(
            &|p| p.dept == "Service client" && p.rank == Rank::Staff,
            "customer service",
        ),
        ambassador,
    ]
    .into_iter()
    .flatten()
    .collect();
    let info = DemoInfo {
        org_id,
        manager_email: MANAGER_EMAIL.to_string(),
        password: DEMO_PASSWORD.to_string(),
        members: people.len(),
        spheres: defs.len(),
        posts: posts.len(),
        comments: comments.len(),
        reactions: reactions.len(),
        sample_logins,
    };
    println!("{info}");
    Ok(info)
}
