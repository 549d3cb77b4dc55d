/** Inputs that real tokenisers split into more tokens than Triage's old input estimate (ASCII ÷ 3) counted (issue 14 item 2). */
export const ADVERSARIAL: Record<string, string> = {
  'a a a …': 'a '.repeat(2000),
  '1 2 3 …': Array.from({ length: 1500 }, (_, i) => i + 1).join(' '),
  base64: btoa(String.fromCharCode(...Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256))),
  punctuation: '!?.,;:-()[]{}"\'/\\|@#$%^&*+=<>~`'.repeat(100),
  emoji: '😀🎉🚀🔥💡🌍🍕🐱👍🏽🇫🇷'.repeat(200),
  'rare CJK': '𠀀𠀁𠀂𠀃𪚥𪚲鱻龘靐齉'.repeat(150),
}

