import { describe, expect, it } from 'vitest';
import { classifyIntent, INTENTS, type Intent } from './classify-intent.js';

const GRATITUDE: readonly string[] = [
  // fr
  'Merci !',
  'merci',
  'MERCI!!!',
  '  merci  ',
  'Merci\u00a0!',
  'merciiii',
  'merci beaucoup 🙏',
  'Merci beaucoup 🙏🏻',
  'ok parfait merci',
  'Super, merci bien',
  'ok merci, bonne journée',
  'Ok merci bonne journee',
  'parfait',
  'Parfait, merci pour votre aide',
  'merci pour tout',
  'Merci de votre réponse rapide',
  'Merci à vous aussi',
  'Bonjour, merci pour votre retour. Cordialement',
  "D'accord merci",
  "c'est noté, merci",
  'Merci pour votre suivi !',
  'merci :)',
  'Génial, un grand merci à toute l’équipe',
  'Je vous remercie, bonne soirée',
  'merci bcp',
  'ok merci a+',
  'Merci 🙏 bonne journée à vous',
  "merci de m'avoir répondu",
  // en
  'thanks 👍',
  'Thanks!',
  'thx',
  'ty!',
  'great thanks',
  'Thank you so much!',
  'thanks for the help',
  'Thank you for your quick reply, have a nice day',
  'ok cool',
  'Got it, thanks',
  'Cheers',
  'THANK YOU',
  'Perfect, much appreciated 😊',
  'Thank you for letting me know',
  'Thanks, you too!',
  'thank you!!!! 😊😊',
  // es
  'Gracias!',
  '¡Muchas gracias!',
  'Gracias 😊',
  'muchas gracias',
  'ok genial gracias',
  'Muchas gracias por todo, buen día',
  'vale, gracias',
  'Perfecto, muchas gracias por su ayuda',
  'Hola, gracias, saludos',
  'graciasss',
  'gracias por avisarme',
  // emoji only
  '👍',
  '🙏🏻',
  '👍👍',
  '❤️',
];

const OPT_OUT: readonly string[] = [
  'STOP',
  'stop',
  'Stop.',
  'Stop!',
  '  STOP \n',
  'stop please',
  'Please stop',
  'STOP merci',
  'stop svp',
  'STOP 😡',
  'stoooop',
  'STOPALL',
  'stop all',
  'STOP SMS',
  'UNSUBSCRIBE',
  'Unsubscribe.',
  'cancel',
  'END',
  'Quit',
  'opt-out',
  'ARRET',
  'arrêt',
  'ARRÊT',
  'Arrêt svp',
  'arret stp',
  'Arrêtez',
  'désabonner',
  'me désinscrire',
  'Baja',
  'BAJA por favor',
  'dar de baja',
  'parar',
  'CANCELAR',
];

const OPT_IN: readonly string[] = [
  'START',
  'start',
  'Start.',
  ' start ',
  'START please',
  'start svp',
  'START merci',
  'Start 👍',
  'UNSTOP',
  'unstop',
  'subscribe',
  'Subscribe!',
  'REPRENDRE',
  'reprendre svp',
  'ALTA',
  'Alta',
  'alta por favor',
  'dar de alta',
  'SUSCRIBIR',
  'suscribirme',
  'start gracias',
];

const OTHER: readonly string[] = [
  // empty
  '',
  '   ',
  '\n\t',
  '!!!',
  // thanks with more content
  "merci mais ma commande n'est pas arrivée",
  'Merci, mais toujours rien reçu',
  'merci sauf que ça ne marche pas',
  'thanks, but where is my refund?',
  'thanks however it still fails',
  'gracias pero no funciona',
  'gracias, sin embargo sigue sin funcionar',
  'aunque gracias',
  'merci, commande 12345',
  'thanks order #4521',
  'Merci, je voudrais aussi changer mon adresse',
  // "merci de" + verb is a request; sarcasm
  'merci de me rappeler',
  'Merci de bien vouloir me rappeler',
  'thanks for nothing',
  'gracias por nada',
  'merci pour rien',
  'thanks for the wrong size',
  'thanks for your order',
  "merci de m'avoir appelé",
  // questions
  'merci ?',
  'ok?',
  'Merci, vous avez reçu mon colis ?',
  '¿Gracias?',
  // keyword inside a sentence
  "I can't stop the order",
  "please don't stop my subscription",
  'comment arrêter le moteur ?',
  'stop sending me the wrong size, I ordered M',
  'Je veux arrêter mon abonnement',
  "Arrêtez de m'appeler",
  'stop the charges',
  'Can you cancel my order?',
  'cancel my order',
  'end of story',
  'Quiero darme de baja del gimnasio, ¿cómo hago?',
  'STOP START',
  // "yes" answers questions; negations are not thanks
  'yes',
  'YES',
  'oui',
  'Oui merci',
  'sí',
  'no thanks',
  'non merci',
  // greetings alone, negative or unknown emoji, plain requests
  'bonjour',
  'Hello',
  'Hola',
  'bonne journée',
  '😡',
  '👎',
  'merci 😡',
  'thanks 🙄',
  'Where is my parcel',
  'ma commande est arrivée cassée',
  'Mi pedido no ha llegado',
];

const TABLE: ReadonlyArray<readonly [string, Intent]> = [
  ...GRATITUDE.map((body) => [body, 'gratitude'] as const),
  ...OPT_OUT.map((body) => [body, 'opt_out'] as const),
  ...OPT_IN.map((body) => [body, 'opt_in'] as const),
  ...OTHER.map((body) => [body, 'other'] as const),
];

describe('classifyIntent', () => {
  it('has at least 20 labelled messages per intent', () => {
    for (const list of [GRATITUDE, OPT_OUT, OPT_IN, OTHER]) expect(list.length).toBeGreaterThanOrEqual(20);
    expect(TABLE.length).toBeGreaterThanOrEqual(80);
  });

  it('has no message labelled twice', () => {
    expect(new Set(TABLE.map(([body]) => body)).size).toBe(TABLE.length);
  });

  it.each(TABLE)('%j → %s', (body, intent) => {
    expect(classifyIntent(body)).toBe(intent);
  });

  it('lets opt-out and opt-in keywords win over gratitude words', () => {
    expect(classifyIntent('STOP merci')).toBe('opt_out');
    expect(classifyIntent('START thanks')).toBe('opt_in');
  });

  it('is deterministic', () => {
    for (const [body] of TABLE) expect(classifyIntent(body)).toBe(classifyIntent(body));
  });

  it('only returns listed intents', () => {
    expect(INTENTS).toEqual(['gratitude', 'opt_out', 'opt_in', 'other']);
    for (const [body] of TABLE) expect(INTENTS).toContain(classifyIntent(body));
  });
});

describe('classifyIntent: how a message is read', () => {
  it.each([
    [':)', 'gratitude'],
    [':-)', 'gratitude'],
    [';D', 'gratitude'],
    ['<3', 'gratitude'],
    ['^^', 'gratitude'],
    [':) !', 'gratitude'],
    [':p et merci', 'gratitude'],
    [':Dupont', 'other'],
  ] as const)('a text smiley reads as a smiling emoji, unless a word follows it: %j → %s', (body, intent) => {
    expect(classifyIntent(body)).toBe(intent);
  });

  it('a waving hand is polite, not a thanks on its own; it does not spoil one', () => {
    expect(classifyIntent('merci 👋')).toBe('gratitude');
    expect(classifyIntent('👋')).toBe('other');
  });

  it('ligatures are letters: "coeur" and "cœur" are the same word, and a lone æ is a word', () => {
    expect(classifyIntent('Merci du fond du coeur')).toBe('gratitude');
    expect(classifyIntent('Merci du fond du cœur')).toBe('gratitude');
    expect(classifyIntent('merci æ')).toBe('other');
  });

  it('"a+" is the sign-off "à plus" wherever it stands; it is not a word a keyword may come with', () => {
    expect(classifyIntent('a+ merci')).toBe('gratitude');
    expect(classifyIntent('merci, a+ !')).toBe('gratitude');
    expect(classifyIntent('STOP a+')).toBe('other');
  });

  it('apostrophes around a word are quotes, however many', () => {
    expect(classifyIntent("''merci''")).toBe('gratitude');
    expect(classifyIntent("Merci, c'est 'parfait'")).toBe('gratitude');
    expect(classifyIntent("Merci pour 'l'aide'")).toBe('gratitude');
    expect(classifyIntent("merci ' !")).toBe('gratitude');
  });

  it('an elision is split off at the start of a word only', () => {
    expect(classifyIntent("merci pour l'aide")).toBe('gratitude');
    expect(classifyIntent("merci pour votrel'aide")).toBe('other');
  });

  it('a keyword repeated is still that keyword', () => {
    expect(classifyIntent('stop stop')).toBe('opt_out');
  });

  it('after thanks, a preposition needs an object of thanks within four words', () => {
    expect(classifyIntent('merci pour')).toBe('other');
    expect(classifyIntent('merci pour la super rapide aide')).toBe('gratitude');
    expect(classifyIntent('merci pour la super rapide excellente aide')).toBe('other');
    expect(classifyIntent('merci pour votre aide, bonne journée')).toBe('gratitude');
  });

  it('only a preposition of thanks introduces an object: "thanks despite your help" is not thanks', () => {
    expect(classifyIntent('thanks despite your help')).toBe('other');
  });

  it('elongated words of any list are recognised, objects of thanks included', () => {
    expect(classifyIntent('merci pour votre aiiide')).toBe('gratitude');
  });

  it('an empty or blank body is other', () => {
    expect(classifyIntent('')).toBe('other');
    expect(classifyIntent(' \n ')).toBe('other');
  });
});
