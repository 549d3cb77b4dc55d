/**
 * What an answer demands, as concept lists aligned across English, Spanish, German, French, Japanese, Chinese
 * and Korean: a proof request is a proof request in every language.
 *
 * Matching rules (see `features.ts`):
 * - Latin-script cues are matched on word boundaries after folding case and accents (`démontrer` = `demontrer`);
 *   a cue ending in `*` is a stem and matches any word it begins (`beweis*` → beweisen, Beweis, beweise);
 *   a cue may span several words (`show that`); punctuation and digits count as spaces (`lock-free` = `lock free`).
 * - Japanese, Chinese and Korean cues are matched as substrings (no spaces between words; Korean particles attach).
 *
 * Families starting with `d_` are demands (they may only raise the score), `e_` are signs of an easy request
 * (they may only lower it). Each family is a feature: log1p(number of matches). A family is one string of cues
 * separated by `|`, one source line per language. The strings travel in the Worker bundle (the router has a
 * 60 KiB gzip budget), so cues that matched nothing in the training and calibration texts were dropped, keeping
 * the first cue of every language line.
 *
 * @example
 * CONCEPTS.d_proof.split('|').includes('beweis*') // true
 */
export const CONCEPTS = {
  /** A proof or a rigorous argument. */
  d_proof:
    'prove|prove that|proof|show that|demonstrate that|theorem|rigorous*|by induction|' +
    'demuestra*|' +
    'beweis*|zeige dass|zeige, dass|' +
    'démontr*|montrer que|récurrence|' +
    '証明|示せ|示して|帰納法|' +
    '证明|求证|归纳法|' +
    '증명|demostrar|demuestre*|pruebe que|zeigen sie dass|montrez que|prouvez|prouver|보여라|보이시오|lemma',
  /** Maths beyond arithmetic: algebra, number theory, probability, calculus, geometry. */
  d_math:
    'integer*|prime|primes|polynomial*|probability|integral*|derivative*|eigen*|' +
    'matrix|matrices|modulo|mod|divisible|divisor*|inequality|sequence|series|limit|converge*|' +
    'equation*|real numbers|rational|irrational|subgroup*|cyclic|triangle|circle|' +
    'radius|tangent|perimeter|permutation*|factorial|function f|simplify|factor|quadratic|square root|sqrt|cos|sin|tan|log|' +
    'entero*|primo|integral|irracional|factoriza*|' +
    'ganze zahl*|primzahl*|polynom*|matrix|zyklisch*|irrational|' +
    'entier*|probabilité*|matrice*|équation*|triangle|cyclique|irrationnel*|' +
    '整数|素数|確率|無理数|巡回群|' +
    '质数|概率|积分|方程|无理数|循环群|' +
    '정수|소수|미분|무리수|순환군|probabilidad|ecuaci*|wahrscheinlichkeit*|gleichung*|polynôme*|intégrale*|方程式|多項式|積分|多项式|확률|방정식|적분',
  /** Competition-style maths: find all / how many ordered pairs / olympiad. */
  d_competition:
    'find all|determine all|digit|digits|ordered pairs|ordered triples|positive integers|nonnegative integers|' +
    'olympiad|imo|aime|amc|least possible|' +
    'minimum value|maximum value|relatively prime|how many ways|' +
    'encuentra todos|cifras|pares ordenados|enteros positivos|' +
    'finde alle|ziffer*|bestimme alle|' +
    'trouver tous|' +
    'すべて求め|正の整数|順序対|最小値|' +
    '求所有|正整数|有序对|竞赛|' +
    '모두 구하|양의 정수|순서쌍',
  /** Step-by-step reasoning, justification, a derivation. */
  d_reasoning:
    'step by step|show your reasoning|explain why|why does|why is|justify|derive|derivation|' +
    'reason about|walk me through|how many|how much|how long|what time|when and where|puzzle|riddle|logic|lying|tells the truth|only one of|' +
    'paso a paso|por qué|justifica*|cuántos|cuántas|cuánto|' +
    'schritt für schritt|warum|begründ*|wie viele|wie viel|' +
    'étape par étape|pourquoi|justifi*|combien|' +
    'ステップ|なぜ|理由|途中式|いくら|何個|何人|何時|何キロ|考え方|パズル|正直者|' +
    '一步一步|逐步|为什么|原因|推理|多少|几个|几点|过程|真话|名次|' +
    '단계별|왜 |이유|얼마|몇 |몇 개|몇 시|풀이|논리',
  /** Writing code of some size: an implementation, an algorithm, tests. */
  d_implement:
    'implement*|write a function|write a program|write a script|write a class|write code|build a|create a function|function that|function to|function which|class that|' +
    'unit test*|edge case*|parser|algorithm*|time complexity|' +
    'big o|recursion|lru|dijkstra|binary search|dynamic programming|' +
    'implementa*|función que|algoritmo*|' +
    'implementier*|funktion die|' +
    'implément*|fonction qui|tests unitaires|' +
    '実装|ユニットテスト|計算量|パーサ|関数を書|' +
    '实现|单元测试|测试用例|复杂度|解析器|' +
    '구현|파서|리팩터|escribe una función|pruebas unitarias|schreibe eine funktion|algorithmus|écris une fonction|algorithme*|アルゴリズム|単体テスト|算法|알고리즘|단위 테스트',
  /** Finding and fixing a fault: errors, crashes, wrong results. */
  d_debug:
    'bug|bugs|debug*|error|errors|exception|crash*|fails|failing|failed|' +
    'not working|race condition|deadlock|find the bug|fix the|fix it|code review|review this|review my|pr|' +
    'no funciona|falla|depura*|' +
    'fehler|debugg*|behebe*|code review|' +
    'erreur|plante|corrige le|' +
    'バグ|エラー|例外|落ちる|直して|レビュー|' +
    '报错|错误|异常|修复|评审|' +
    '버그|에러|고쳐|리뷰',
  /** Predicting what code does or prints (it has to be executed in the head). */
  d_output:
    'output of|the output|what does this print|' +
    'what is printed|return value|assertion|assert|' +
    'la salida|' +
    '出力|输出|출력',
  /** Systems work that must be subtly correct: concurrency, lock-free code, consensus, allocators, kernels. */
  d_systems:
    'lock free|atomic*|memory order*|aba|concurren*|memory allocator|' +
    'allocator|consensus|raft|exactly once|kernel|' +
    'simd|mpmc|spsc|crdt*|' +
    'sin bloqueo|atómic*|' +
    'sans verrou|consensus|' +
    'ロックフリー|並行|並列|合意|' +
    '无锁|并发|内存分配|线程安全|' +
    '락프리|동시성|thread safe|mutex*|lockfrei|nebenläufig*|concurrencia|atomique*|スレッドセーフ|アトミック|原子|원자적',
  /** Designing a system or an architecture at scale, with trade-offs. */
  d_design:
    'design a|design an|design the|architect*|scalab*|' +
    'fault toleran*|trade off*|tradeoff*|failure mode*|multi region|requests s|' +
    'latency|shard*|replicat*|rate limiter|microservice*|migration|' +
    'capacity planning|consistency|partition*|globally distributed|distributed|edge locations|zero downtime|' +
    'diseña*|arquitectura|distribuido*|consistencia|' +
    'entwirf|architektur|verteilt*|konsistenz|migration|' +
    'conçois|conception|architecture|distribué*|compromis|cohérence|' +
    '設計|アーキテクチャ|スケール|レイテンシ|トレードオフ|障害|分散|一貫性|移行|' +
    '设计|架构|延迟|故障|分布式|一致性|迁移|' +
    '설계|아키텍처|처리량|트레이드오프|장애|분산|일관성|escalab*|alta disponibilidad|entwerf*|skalierb*|concevoir|concevez|haute disponibilité|スケーラブル|可用性|可扩展|高可用|权衡|확장성|가용성',
  /** Legal and regulatory analysis. */
  d_legal:
    'gdpr|ai act|ccpa|compliance|compliant|regulation*|regulatory|liabilit*|jurisdiction*|case law|' +
    'statute*|breach of|lawsuit|legally|dpia|data protection|' +
    'high risk system|enforceab*|antitrust|intellectual property|employment law|' +
    'rgpd|normativa|' +
    'dsgvo|ki verordnung|rechtsprechung|' +
    'règlement|responsabilité|juridiction|jurisprudence|' +
    '個人情報|コンプライアンス|規制|法的|管轄|条項|第22条|' +
    '合规|违约|条款|第22条|个人信息|法规|' +
    '개인정보|규제|법적|관할|조항|제22조|cumplimiento|protección de datos|haftung|datenschutz|conformité|protection des données|监管|数据保护|컴플라이언스',
  /** Clinical judgement: diagnosis, interactions, dosing, management. */
  d_medical:
    'diagnos*|differential|drug interaction*|interaction*|dosage|dose|' +
    'management plan|presents with|symptom*|inr|mg|renal|clinical|' +
    'diagnóstico|interacciones|tratamiento|clínic*|paciente|' +
    'diagnose|wechselwirkung*|behandlung*|symptom*|patient*|' +
    'diagnostic*|interactions|symptôme*|patient|patiente|' +
    '診断|鑑別|相互作用|用量|症状|服用|患者|' +
    '诊断|鉴别|相互作用|症状|服用|患者|' +
    '진단|감별|상호작용|용량|증상|복용|환자',
  /** Financial, tax and accounting analysis. */
  d_finance:
    'tax|taxes|taxation|asset deal|share deal|acquisition|merger*|valuation|capital gains|ebitda|' +
    'cash flow|portfolio|hedg*|ifrs|audit*|securities|' +
    'withholding|depreciation|amortization|balance sheet|irr|npv|loan|mortgage|interest rate|amortiz*|repayment|' +
    'impuesto*|fiscal*|adquisición|préstamo|' +
    'steuer*|bewertung|' +
    'impôt*|fiscal*|fiscalité|acquisition|bilan|' +
    '税務|買収|会計|譲渡|金利|利息|返済|' +
    '税务|收购|现金流|会计|折旧|利率|房贷|' +
    '세무|세금|인수|양도|대출|금리',
  /** Weighing options: analyse, compare, evaluate, argue. */
  d_analysis:
    'analy*|compare|comparison|evaluate|assess*|critique|implications|risks|' +
    'strongest arguments|which is better|' +
    'analiza*|compara*|evalúa*|riesgos|' +
    'analysier*|analyse|vergleich*|bewerte*|risiken|' +
    'analys*|compar*|implications|risques|obligations|' +
    '分析|比較|評価|検討|リスク|影響|' +
    '比较|利弊|风险|论证|' +
    '분석|비교|평가|검토|위험|리스크|ventajas y desventajas|vor und nachteile|avantages et inconvénients|メリットとデメリット|优缺点|장단점',
  /** A long or structured output. */
  d_long:
    'words|words long|chapter|report|detailed|comprehensive|thorough*|in detail|essay|proposal|whitepaper|' +
    'white paper|business plan|' +
    'palabras|capítulo|informe|' +
    'wörter|kapitel|bericht|' +
    'mots|chapitre|rapport|détaillé*|dissertation|' +
    '詳しく|詳細|第1章|第一章|レポート|報告書|字程度|' +
    '详细|第一章|报告|字左右|申请书|' +
    '자세히|보고서|detallad*|ausführlich*|detailliert*|approfondi*|상세',
  /** Creative writing (short or long; length and constraints decide). */
  d_creative:
    'story|novel|poem|screenplay|in the style of|fiction|character*|timeline*|literary|lyrics|rhyme*|meter|' +
    'scene|' +
    'cuento|novela|relato|al estilo de|literari*|rima|' +
    'geschichte|roman|im stil von|figur*|literarisch*|reim*|' +
    'histoire|roman|scénario|dans le style de|littéraire|' +
    '物語|小説|文体|の文体で|文学|' +
    '故事|平仄|格律|小说|诗|风格|文学|对仗|节奏|' +
    '이야기|소설|문체|문학|poema|gedicht|poème|personnage*|小説|詩|人物|각본',
  /** Hard constraints the answer must satisfy together. */
  d_constraint:
    'must|must not|exactly|at least|at most|no more than|constraint*|requirement*|' +
    'cannot|' +
    'debe|exactamente|al menos|restricci*|no puede|' +
    'muss|müssen|genau|mindestens|bedingung*|' +
    'doit|exactement|au moins|au plus|contrainte*|disponible*|' +
    '必ず|以内|制約|条件|不可|' +
    '必须|至少|最多|不超过|约束|条件|不能|只能|' +
    '반드시|조건|요구사항|불가',
  /** Several actions to plan and carry out, adapting to what comes back. */
  d_agentic:
    'booking|book me|book a|search for|find me|if nothing|if none|' +
    'itinerary|cheapest|' +
    'reserva*|si no hay|más barato|' +
    'buche*|günstigste*|' +
    'réserve*|si rien|moins cher|' +
    '予約|なければ|スケジュール|' +
    '预订|如果没有|日程|行程|最便宜|' +
    '예약|없으면',
  /** Research-level questions: open problems, the literature. */
  d_research:
    'open problem|state of the art|literature|references|citations|p np|conjecture|' +
    'novel approach|survey of|' +
    'estado del arte|literatur|' +
    'état de l art|littérature|références|conjecture|' +
    '先行研究|선행 연구|미해결|文献|予想|文献|猜想|未解决',
  /** Greetings, thanks, small talk. */
  e_greet:
    'hi|hello|hey|thanks|thank you|how are you|good morning|good night|lol|bye|cheers|' +
    'hola|gracias|qué tal|' +
    'hallo|wie geht|' +
    'bonjour|salut|merci|ça va|' +
    'こんにちは|ありがとう|' +
    '你好|您好|谢谢|怎么样|嗨|' +
    '안녕|buenos días|danke|guten morgen|bonsoir|おはよう|元気|早上好|감사합니다|고마워|반가워',
  /** Rewriting, paraphrasing, fixing grammar or tone. */
  e_rewrite:
    'rewrite|rephrase|fix the grammar|grammar|more polite|more casual|' +
    'shorten|make this sound|polish|spelling|sound more|' +
    'reescrib*|más educad*|acorta*|ortografía|' +
    'umformulier*|höflicher|kürze*|' +
    'reformul*|plus poli|' +
    '書き直|言い換え|丁寧に|' +
    '改写|润色|改成|' +
    '다시 써|다듬어|정중하게|공손하게|줄여|맞춤법|paraphrase|proofread|more formal|reformula*|más formal|umschreiben|formeller|réécri*|plus formel|添削|校正|重写|更礼貌|교정',
  /** Translation (of a short text; length decides the rest). */
  e_translate:
    'translate|translation|into english|in english|traduc*|traduce|al inglés|übersetz*|ins englische|' +
    'tradui*|en anglais|訳して|英訳|英語に|翻译|译成|英文|번역|영어로|翻訳',
  /** Extracting fields, classifying, formatting. */
  e_extract:
    'extract|pull out|classify|categorize|sentiment|positive or negative|phone number|' +
    'as json|' +
    'extrae|clasifica|positiva o negativa|teléfono|en json|' +
    'extrahier*|positiv oder negativ|telefonnummer|' +
    'extrai*|classifie*|positif ou négatif|numéro de téléphone|en json|' +
    '抽出|分類|ポジティブ|ネガティブ|取り出|抜き出|電話番号|' +
    '提取|分类|正面还是负面|电话|' +
    '추출|분류|긍정|부정|뽑아|전화번호',
  /** Short creative pieces with no hard constraints. */
  e_short_creative:
    'haiku|slogan|birthday|caption|toast|limerick|joke|name for|' +
    'names for|greeting card|' +
    'eslogan|cumpleaños|geburtstag*|' +
    'anniversaire|俳句|キャッチコピー|誕生日|' +
    '口号|生日|笑话|祝福|생일|짧은 시|축하 메시지|short poem|chiste|poema corto|witz|blague|ジョーク|短い詩|短诗|농담|슬로건',
  /** The user asks for a short or basic answer. */
  e_brief:
    'in one sentence|in two sentences|one sentence|briefly|short answer|' +
    'eli5|simple terms|quickly|' +
    'en una frase|en dos frases|' +
    'in einem satz|in zwei sätzen|kurz|einfach erklärt|' +
    'en une phrase|en deux phrases|' +
    '一言で|一文で|2文で|短く|' +
    '一句话|简短|两句话|' +
    '한 문장|짧게|두 문장',
} as const

export type ConceptFamily = keyof typeof CONCEPTS

/** Code keywords and symbols (whole words): a sign that code is pasted. */
export const CODE_WORDS =
  'def|return|import|const|let|void|self|elif|lambda|async|await|struct|impl|fn|println|printf|console|null|none|typing|usize|std|namespace|yield|except|raise|catch|throw'

/** Markers of a stack trace or a compiler/runtime error message. */
export const TRACE_WORDS =
  'traceback|most recent call last|panicked at|segmentation fault|stack trace|core dumped|exception in thread|typeerror|valueerror|keyerror|indexerror|attributeerror|nullpointerexception|referenceerror|syntaxerror|recursionerror'
