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
 * (they may only lower it). Each family is a feature: log1p(number of matches). The lists are kept whole (about
 * 2,800 cues): the hash table they compile to is built on the first scored request, not at load.
 *
 * @example
 * CONCEPTS.d_proof.includes('beweis*') // true
 */
export const CONCEPTS = {
  /** A proof, a derivation or a rigorous argument. */
  d_proof: [
    'prove', 'prove that', 'proof', 'show that', 'demonstrate that', 'rigorous*', 'by induction', 'qed',
    'derive', 'derivation', 'deduce', 'closed form',
    'deriva', 'derivar', 'derivación', 'herleit*', 'leite her', 'leiten sie', 'dériver', 'dérivez', 'dérive', 'dérivation', 'démonstration',
    '導出', '導け', '导出', '推导', '유도하', '유도해', '유도 과정',
    'demuestra*', 'demuestre*', 'demostrar', 'demostración', 'pruebe que', 'prueba que', 'inducción',
    'beweis*', 'zeige dass', 'zeigen sie dass', 'zeige, dass', 'induktion',
    'démontr*', 'prouver', 'prouvez', 'montrer que', 'montrez que', 'récurrence',
    '証明して', '証明せよ', '証明しなさい', '証明しろ', '証明を', '証明する', '証明できる', '証明が', '証明の', '示せ', '示して', '帰納法',
    '证明', '證明', '求证', '论证', '归纳法',
    '증명', '보여라', '보이시오', '귀납법',
  ],
  /** Maths beyond arithmetic: algebra, number theory, probability, calculus, geometry. */
  d_math: [
    'theorem', 'lemma', 'dx', 'dt', 'remainder', 'last two digits', 'last digit', 'integer*', 'prime', 'primes', 'polynomial*', 'probability', 'expected value', 'integral*', 'derivative*', 'eigen*',
    'matrix', 'matrices', 'modulo', 'mod', 'divisible', 'divisor*', 'inequality', 'sequence', 'series', 'limit', 'converge*',
    'equation*', 'real numbers', 'rational', 'irrational', 'subgroup*', 'cyclic', 'isomorph*', 'triangle', 'circle',
    'radius', 'tangent', 'perimeter', 'combinatori*', 'permutation*', 'factorial', 'logarithm*', 'function f', 'solve for', 'simplify', 'factor', 'factors', 'factorization', 'quadratic', 'square root', 'sqrt', 'perfect square', 'domain of', 'sum of all', 'cos', 'sin', 'tan', 'roots', 'real roots', 'exact value',
    'teorema', 'lema', 'entero*', 'primo', 'primos', 'polinomio*', 'probabilidad', 'integral', 'matriz', 'desigualdad', 'ecuaci*', 'triángulo', 'grupo cíclico', 'racional', 'irracional', 'simplifica', 'raíz cuadrada', 'cuadrátic*', 'divisores', 'factoriza*',
    'ganze zahl*', 'ganzzahl*', 'primzahl*', 'polynom*', 'wahrscheinlichkeit*', 'matrix', 'ungleichung*', 'gleichung*', 'dreieck*', 'zyklisch*', 'irrational', 'vereinfache', 'quadratwurzel', 'wurzel', 'quadratisch*', 'teiler', 'faktorisier*',
    'théorème', 'lemme', 'entier*', 'nombre premier', 'nombres premiers', 'polynôme*', 'probabilité*', 'intégrale*', 'matrice*', 'inégalité*', 'équation*', 'triangle', 'cyclique', 'irrationnel*', 'simplifier', 'simplifiez', 'racine carrée', 'quadratique', 'diviseurs', 'factoris*',
    '余り', '定理', '補題', '整数', '素数', '多項式', '確率', '積分', '微分', '行列', '不等式', '数列', '極限', '方程式', '無理数', '有理数', '巡回群', '群の', '三角形', '半径', '期待値', '平方根', '二次方程式', '約数', '因数', '簡単にせよ', '実数解',
    '余数', '最后两位', '引理', '质数', '多项式', '概率', '积分', '矩阵', '极限', '方程', '无理数', '有理数', '循环群', '半径', '期望', '平方根', '二次方程', '约数', '因数', '化简', '实根',
    '나머지', '보조정리', '정수', '소수', '다항식', '확률', '적분', '미분', '행렬', '부등식', '수열', '극한', '방정식', '무리수', '유리수', '순환군', '삼각형', '반지름', '기댓값', '제곱근', '이차방정식', '약수', '인수분해', '실근',
  ],
  /** Competition-style maths: find all / how many ordered pairs / olympiad. */
  d_competition: [
    'find all', 'determine all', 'how many ordered', 'ordered pairs', 'ordered triples', 'positive integers', 'nonnegative integers',
    'olympiad', 'imo', 'aime', 'amc', 'putnam', 'diophantine', 'number theory', 'least possible', 'greatest possible',
    'minimum value', 'maximum value', 'relatively prime', 'how many ways', 'digit', 'digits',
    'encuentra todos', 'determina todos', 'cifras', 'pares ordenados', 'enteros positivos', 'olimpiada', 'cuántas maneras', 'dígito*',
    'finde alle', 'bestimme alle', 'ziffern', 'geordnete paare', 'positive ganze', 'olympiade', 'wie viele möglichkeiten', 'ziffer*',
    'trouver tous', 'trouvez tous', 'déterminer tous', 'couples', 'entiers positifs', 'olympiade', 'combien de façons', 'chiffre*',
    'すべて求め', '全て求め', '正の整数', '順序対', '組の数', '何通り', '最小値', '最大値', 'オリンピック', '桁',
    '求所有', '正整数', '有序对', '有序数对', '多少种', '最小值', '最大值', '奥林匹克', '竞赛',
    '모두 구하', '양의 정수', '순서쌍', '경우의 수', '최솟값', '최댓값', '올림피아드', '자릿수',
    // remainders of large powers: "the last three digits of 2^2024"
    'last three digits', 'last two digits', 'last digit of', 'remainder when', 'modulo', 'congruent',
    'últimas tres cifras', 'resto de', 'letzten drei ziffern', 'rest bei division', 'trois derniers chiffres', 'reste de la division',
    '下3桁', '下三桁', '下2桁', '下二桁', '余りを求め', '合同式', '的余数', '最后三位', '末三位', '末两位', '同余', '나머지를 구', '마지막 세 자리',
  ],
  /** Step-by-step reasoning, justification, a derivation. */
  d_reasoning: [
    'step by step', 'show your work', 'show your reasoning', 'explain why', 'why does', 'why is', 'justify',
    'reason about', 'walk me through', 'work out', 'how many', 'how much', 'how long', 'what time', 'when and where', 'puzzle', 'riddle', 'logic', 'lying', 'tells the truth', 'only one of',
    'paso a paso', 'explica por qué', 'por qué', 'justifica*', 'cuántos', 'cuántas', 'cuánto', 'acertijo', 'lógica', 'miente',
    'schritt für schritt', 'erkläre warum', 'warum', 'begründ*', 'wie viele', 'wie viel', 'rätsel', 'logik', 'lügt',
    'étape par étape', 'explique pourquoi', 'pourquoi', 'justifi*', 'combien', 'énigme', 'logique', 'ment',
    'ステップ', '段階的', 'なぜ', '理由', '途中式', 'いくら', '何個', '何人', '何時', '何分', '何キロ', '何円', 'どれくらい', 'いくつ', 'どれだけ', '何回', '何本', '何枚', '何匹', '何頭', '何羽', '何冊', '何問', '何日', '何時間', '何週', '何歳', '何杯', '何台', '何袋', '何切れ', '何ドル', '何セント', '何マイル', '何メートル', '何センチ', '何グラム', '何リットル', '何ポンド', '何フィート', '何パーセント', '考え方', 'パズル', '論理', '嘘をつ', '正直者',
    '一步一步', '逐步', '为什么', '為什麼', '原因', '推理', '多少', '几个', '几点', '过程', '谜题', '逻辑', '说谎', '真话', '名次',
    '단계별', '단계적', '왜 ', '이유', '얼마', '몇 ', '몇개', '몇 개', '몇 시', '풀이', '퍼즐', '논리', '거짓말', '참말',
  ],
  /** Writing code of some size: an implementation, an algorithm, tests. */
  d_implement: [
    'implement*', 'write a function', 'write a program', 'write a script', 'write a class', 'write code', 'build a', 'create a function', 'function that', 'function to', 'function which', 'class that',
    'code to', 'code for', 'code that', 'code a', 'script to', 'script that', 'script for', 'program to', 'program that',
    'program for', 'app that', 'app for', 'endpoint that', 'endpoint to', 'endpoint for', 'api that', 'component that',
    'component for', 'hook that', 'server that', 'server with', 'bot that', 'cli tool', 'cli that', 'plugin that',
    'from scratch', 'training loop', 'game in', 'backtracking', 'solver', 'forward pass', 'backward pass', 'forward and backward', 'backprop*',
    'pytest', 'jest', 'junit', 'vitest', 'mocha', 'pagination', 'paginated', 'sortable',
    'unit test*', 'test cases', 'with tests', 'edge case*', 'parser', 'refactor*', 'algorithm*', 'data structure', 'recursion', 'recursive', 'window function*', 'lru', 'dijkstra', 'binary search', 'dynamic programming', 'thread pool',
    'implementa*', 'función que', 'escribe una función', 'escribe un programa', 'código para', 'código que', 'script que', 'programa que', 'escribe código', 'desde cero', 'paginad*', 'retroceso', 'pruebas unitarias', 'casos límite', 'algoritmo*', 'estructura de datos',
    'implementier*', 'funktion die', 'schreibe eine funktion', 'schreibe ein programm', 'code für', 'code der', 'skript das', 'programm das', 'schreibe code', 'von grund auf', 'löser', 'paginier*', 'randfälle', 'algorithmus', 'algorithmen', 'datenstruktur',
    'implément*', 'fonction qui', 'écris une fonction', 'écrivez une fonction', 'écris un programme', 'code pour', 'code qui', 'script qui', 'programme qui', 'écris du code', 'de zéro', 'solveur', 'pagin*', 'triable', 'tests unitaires', 'cas limites', 'algorithme*', 'structure de données',
    '実装', 'アルゴリズム', 'ユニットテスト', '単体テスト', 'エッジケース', 'パーサ', 'リファクタ', 'データ構造', '関数を書', 'コードを書', 'スクリプトを書', 'プログラムを書', 'コード書いて', 'を作成するコード', 'ゼロから',
    '实现', '算法', '单元测试', '测试用例', '边界情况', '解析器', '重构', '数据结构', '写一个函数', '写代码', '写个脚本', '写一个脚本', '写一个程序', '写个程序', '编写', '从零',
    '구현', '알고리즘', '단위 테스트', '엣지 케이스', '엣지케이스', '파서', '리팩터', '자료구조', '함수를 작성', '코드를 작성', '코드 작성', '코드 짜', '코드를 짜', '스크립트를 작성', '프로그램을 작성', '처음부터',
    // things to build
    'crawler', 'web crawler', 'scraper', 'middleware', 'interceptor', 'state machine', 'resumable', 'resume support', 'exponential backoff',
    'rastreador', 'reintento*', 'wiederaufnahme', 'reprise sur erreur',
    'クローラー', 'クローラ', 'スクレイピング', 'スクレイパー', 'ミドルウェア', 'インターセプター', '状態遷移', '指数バックオフ', '再開できる',
    '爬虫', '中间件', '断点续传', '拦截器', '状态机', '指数退避', '重试机制',
    '크롤러', '스크래퍼', '미들웨어', '인터셉터', '상태 머신', '지수 백오프', '이어받기',
  ],
  /**
   * Asking to make something: write, build, generate. Counted only together with code vocabulary (`d_code`,
   * `d_implement`): the feature is the smaller of the two counts, "a request to build software", so that
   * "code a snake game in pygame" reads as an implementation and "write a birthday message" does not.
   */
  d_build: [
    'write', 'create', 'build', 'make', 'generate', 'code', 'develop', 'implement', 'give me', 'i need', 'i want',
    'escribe', 'escríbeme', 'crea', 'créame', 'construye', 'haz', 'hazme', 'genera', 'desarrolla', 'programa',
    'schreibe', 'schreib', 'erstelle', 'erstell', 'baue', 'bau', 'generiere', 'entwickle', 'programmiere', 'mach',
    'écris', 'écrivez', 'crée', 'créez', 'construis', 'génère', 'développe', 'fais', 'programme',
    '書いて', '書け', '書き', '作って', '作成', '作りたい', '生成', '開発', '組んで', 'つくって', '実装',
    '写一个', '写个', '写一段', '帮我写', '编写', '做一个', '生成', '开发', '创建', '搭建', '实现',
    '작성', '만들어', '짜줘', '짜 줘', '구현', '개발', '생성',
  ],
  /** Code and software vocabulary (a weaker sign than an implementation request). */
  d_code: [
    'function', 'method', 'tests', 'parse', 'api', 'endpoint', 'library', 'module', 'complexity', 'time complexity', 'big o', 'sql', 'query', 'join',
    'code', 'program', 'python', 'javascript', 'typescript', 'rust', 'golang', 'java', 'kotlin', 'swift', 'haskell',
    'app', 'application', 'website', 'frontend', 'backend', 'html', 'css', 'react', 'flutter', 'django', 'pandas', 'numpy',
    'torch', 'pytorch', 'tensorflow', 'dataframe', 'docker', 'kubernetes', 'bash', 'shell', 'yaml', 'server', 'database',
    'excel', 'vba', 'macro', 'git', 'framework', 'compile', 'bot', 'script', 'crawler', 'scraper', 'hook', 'component',
    'middleware', 'cli', 'plugin', 'sdk', 'regex', 'ruby', 'php', 'vue', 'svelte',
    'angular', 'flask', 'fastapi', 'arduino', 'godot', 'pygame',
    'función', 'código', 'consulta', 'funktion', 'klasse', 'abfrage', 'fonction', 'requête', 'componente', 'komponente', 'composant',
    '計算量', '関数', 'クラス', 'テスト', 'コード', 'プログラム', 'クエリ', 'スクリプト', 'クローラ', 'スクレイパ', 'フック', 'コンポーネント', 'ミドルウェア', 'サーバ', 'アプリ', 'ボット', '正規表現',
    '复杂度', '函数', '测试', '代码', '程序', '查询', '脚本', '爬虫', '组件', '中间件', '服务器', '服务端', '接口', '应用', '机器人', '正则',
    '복잡도', '함수', '클래스', '테스트', '코드', '프로그램', '쿼리', '스크립트', '크롤러', '컴포넌트', '미들웨어', '서버', '앱', '봇', '정규식',
  ],
  /** Finding and fixing a fault: errors, crashes, wrong results. */
  d_debug: [
    'bug', 'bugs', 'debug*', 'error', 'errors', 'exception', 'crash*', 'fails', 'failing', 'failed', 'doesn t work', 'does not work',
    'not working', 'wrong result', 'race condition', 'deadlock', 'memory leak', 'segfault', 'find the bug', 'fix the', 'fix it', 'what s wrong', 'code review', 'review this', 'review my', 'pull request', 'pr',
    'no funciona', 'falla', 'depura*', 'excepción', 'corrige el', 'revisa este código', 'revisión de código',
    'fehler', 'funktioniert nicht', 'stürzt', 'absturz', 'debugg*', 'behebe*', 'code review', 'überprüfe den code',
    'erreur', 'ne fonctionne pas', 'ne marche pas', 'plante', 'débogu*', 'corrige le', 'revue de code', 'relis ce code',
    'バグ', 'エラー', 'デバッグ', '例外', '落ちる', '動かない', '修正して', 'レビュー',
    '报错', '错误', '调试', '异常', '崩溃', '修复', '不工作', '代码审查', '审查', '评审',
    '버그', '에러', '오류', '디버그', '디버깅', '예외', '작동하지', '고쳐', '리뷰', '코드 리뷰',
  ],
  /** Predicting what code does or prints (it has to be executed in the head). */
  d_output: [
    'output of', 'the output', 'what does it print', 'what will it print', 'what does this print', 'what does this return',
    'what is printed', 'return value', 'assertion', 'assert',
    'la salida', 'qué imprime', 'valor de retorno', 'die ausgabe', 'was gibt', 'rückgabewert', 'la sortie', 'qu affiche', 'valeur de retour',
    '出力', '戻り値', '输出', '返回值', '打印什么', '출력', '반환값',
  ],
  /** Systems work that must be subtly correct: concurrency, lock-free code, consensus, allocators, kernels. */
  d_systems: [
    'lock free', 'lockfree', 'wait free', 'atomic*', 'memory order*', 'aba', 'mutex*', 'thread safe', 'concurren*', 'memory allocator',
    'allocator', 'consensus', 'raft', 'paxos', 'linearizab*', 'exactly once', 'garbage collector', 'kernel', 'cache coherence',
    'simd', 'zero copy', 'compiler', 'mpmc', 'spsc', 'memory model', 'byzantine', 'crdt*', 'two phase commit',
    'sin bloqueo', 'concurrencia', 'atómic*', 'consenso', 'lockfrei', 'lock frei', 'nebenläufig*', 'atomar*', 'konsens*',
    'sans verrou', 'atomique*', 'consensus',
    'ロックフリー', '並行', '並列', 'アトミック', '合意', 'アロケータ', 'メモリモデル', 'スレッドセーフ', 'カーネル',
    '无锁', '并发', '原子', '共识', '内存分配', '内存模型', '线程安全', '内核',
    '락프리', '락 프리', '동시성', '원자적', '합의 알고리즘', '메모리 할당', '메모리 모델', '스레드 안전', '커널',
    // threads, locks and flow control in code
    'multithread*', 'multi thread*', 'multi threaded', 'race condition*', 'deadlock*', 'semaphore*', 'goroutine*', 'coroutine*',
    'event loop', 'rate limiter', 'rate limiting', 'token bucket', 'backpressure', 'distributed lock*',
    'multihilo', 'condición de carrera', 'interbloqueo', 'wettlaufsituation', 'verklemmung', 'interblocage', 'condition de course',
    'マルチスレッド', 'スレッドプール', 'デッドロック', '競合状態', '非同期', 'コルーチン', 'レートリミット', 'トークンバケット', '排他制御',
    '多线程', '多进程', '线程池', '死锁', '竞态', '协程', '异步', '限流', '令牌桶', '分布式锁',
    '멀티스레드', '멀티 스레드', '데드락', '교착 상태', '경쟁 상태', '코루틴', '비동기', '레이트 리미터', '토큰 버킷',
  ],
  /** Designing a system or an architecture at scale, with trade-offs. */
  d_design: [
    'design a', 'design an', 'design the', 'system design', 'architect*', 'scalab*', 'scale to', 'at scale', 'high availability',
    'fault toleran*', 'trade off*', 'tradeoff*', 'failure mode*', 'multi region', 'requests per second', 'requests s', 'rps', 'qps',
    'latency', 'throughput', 'shard*', 'replicat*', 'rate limiter', 'load balanc*', 'microservice*', 'event sourcing', 'migration',
    'capacity planning', 'consistency', 'partition*', 'globally distributed', 'distributed', 'edge locations', 'zero downtime',
    'diseña*', 'diseño de', 'arquitectura', 'escalab*', 'alta disponibilidad', 'compensaciones', 'latencia', 'distribuido*', 'migración', 'consistencia',
    'entwirf', 'entwerf*', 'architektur', 'skalierb*', 'hochverfügbar*', 'latenz', 'verteilt*', 'ausfallsicher*', 'konsistenz', 'migration',
    'conçois', 'concevoir', 'concevez', 'conception', 'architecture', 'haute disponibilité', 'latence', 'distribué*', 'compromis', 'cohérence',
    '設計', 'アーキテクチャ', 'スケーラブル', 'スケール', '可用性', '冗長', 'レイテンシ', 'スループット', 'トレードオフ', '障害', '分散', '一貫性', '移行', 'シャーディング',
    '设计', '架构', '可扩展', '高可用', '延迟', '吞吐', '权衡', '容错', '故障', '分布式', '一致性', '迁移', '分片',
    '설계', '아키텍처', '확장성', '가용성', '지연 시간', '처리량', '트레이드오프', '장애', '분산', '일관성', '마이그레이션', '샤딩',
  ],
  /** Legal and regulatory analysis. */
  d_legal: [
    'gdpr', 'ai act', 'hipaa', 'ccpa', 'compliance', 'compliant', 'regulation*', 'regulatory', 'liabilit*', 'jurisdiction*', 'case law',
    'non compete', 'noncompete', 'employment contract', 'wrongful termination', 'landlord', 'tenancy', 'lease agreement', 'custody', 'sue', 'negligence', 'contract law',
    'statute*', 'breach of', 'indemnif*', 'lawsuit', 'litigation', 'legal risk*', 'legally', 'dpia', 'data protection',
    'high risk system', 'lawful basis', 'enforceab*', 'antitrust', 'intellectual property', 'employment law',
    'rgpd', 'ley de ia', 'cumplimiento', 'normativa', 'despido', 'contrato de trabajo', 'arrendamiento', 'demanda*', 'responsabilidad', 'jurisdicción', 'jurisprudencia', 'protección de datos', 
    'dsgvo', 'ki verordnung', 'haftung', 'kündigung*', 'arbeitsvertrag', 'mietvertrag', 'wettbewerbsverbot', 'abmahnung', 'klage', 'gerichtsstand', 'rechtslage', 'rechtlich*', 'datenschutz', 'rechtsprechung',
    'règlement', 'conformité', 'responsabilité', 'licenciement', 'contrat de travail', 'bail', 'clause de non concurrence', 'prud hom*', 'juridiction', 'jurisprudence', 'juridique*', 'protection des données',
    '個人情報', 'コンプライアンス', '規制', '法的', '法律上', '解雇', '雇用契約', '労働契約', '賃貸借', '違法', '訴訟', '損害賠償', '競業避止', '管轄', '判例', '契約違反', '条項', '第22条', 'データ保護', '準拠',
    '合规', '监管', '法律责任', '劳动合同', '解除合同', '违法', '赔偿', '诉讼', '起诉', '竞业', '租赁合同', '管辖', '判例', '违约', '条款', '第22条', '数据保护', '个人信息', '法规',
    '개인정보', '컴플라이언스', '규제', '법적', '해고', '근로계약', '임대차', '위법', '소송', '손해배상', '경업금지', '관할', '판례', '계약 위반', '조항', '제22조', '데이터 보호', '준수',
  ],
  /** Clinical judgement: diagnosis, interactions, dosing, management. */
  d_medical: [
    'diagnos*', 'differential', 'drug interaction*', 'interaction*', 'dosage', 'dose', 'dosing', 'contraindicat*', 'prognosis',
    'management plan', 'presents with', 'symptom*', 'comorbid*', 'inr', 'mg', 'renal', 'hepatic', 'clinical',
    'pregnan*', 'trimester', 'ibuprofen', 'acetaminophen', 'paracetamol', 'warfarin', 'antibiotic*', 'statin*', 'insulin', 'side effect*', 'medication*',
    'diagnóstico', 'interacciones', 'dosis', 'embaraz*', 'medicamento*', 'efectos secundarios', 'antibiótico*', 'contraindica*', 'tratamiento', 'síntoma*', 'clínic*', 'paciente',
    'diagnose', 'differentialdiagnose*', 'wechselwirkung*', 'dosierung', 'schwanger*', 'medikament*', 'nebenwirkung*', 'antibiotik*', 'behandlung*', 'symptom*', 'klinisch*', 'patient*',
    'diagnostic*', 'interactions', 'posologie', 'enceinte', 'grossesse', 'médicament*', 'effets secondaires', 'antibiotique*', 'traitement', 'symptôme*', 'clinique*', 'patient', 'patiente',
    '診断', '鑑別', '相互作用', '投与量', '用量', '妊娠', '妊婦', '副作用', '抗生物質', '薬を', '服薬', '治療', '症状', '服用', '患者', '禁忌',
    '诊断', '鉴别', '相互作用', '剂量', '怀孕', '孕期', '孕妇', '副作用', '抗生素', '布洛芬', '用药', '治疗', '症状', '服用', '患者', '禁忌',
    '진단', '감별', '상호작용', '용량', '임신', '임산부', '부작용', '항생제', '약을', '치료', '증상', '복용', '환자', '금기',
  ],
  /** Financial, tax and accounting analysis. */
  d_finance: [
    'tax', 'taxes', 'taxation', 'asset deal', 'share deal', 'acquisition', 'merger*', 'valuation', 'capital gains', 'ebitda',
    'cash flow', 'discounted cash', 'dcf', 'portfolio', 'hedg*', 'ifrs', 'gaap', 'audit*', 'securities', 'transfer pricing', 'vat',
    'withholding', 'depreciation', 'amortization', 'balance sheet', 'leverage', 'wacc', 'irr', 'npv', 'loan', 'mortgage', 'interest rate', 'amortiz*', 'repayment',
    'roth', 'ira', 'retirement', 'pension', 'annuity', 'invest*', 'index fund*', 'etf', 'etfs', 'estate planning', 'inheritance', 'stock options', 'rsu', 'rsus',
    'impuesto*', 'fiscal*', 'adquisición', 'jubilación', 'pensión', 'inversión', 'invertir', 'herencia', 'fondo indexado', 'valoración', 'flujo de caja', 'cartera', 'contabilidad', 'préstamo', 'hipoteca', 'tipo de interés',
    'steuer*', 'übernahme', 'bewertung', 'rente', 'altersvorsorge', 'investier*', 'geldanlage', 'erbschaft', 'etf sparplan', 'unternehmensbewertung', 'kapitalertr*', 'bilanz', 'abschreibung*', 'kredit', 'darlehen', 'zins*', 'tilgung',
    'impôt*', 'fiscal*', 'fiscalité', 'retraite', 'investir', 'investissement', 'héritage', 'succession', 'assurance vie', 'acquisition', 'valorisation', 'plus value', 'flux de trésorerie', 'bilan', 'prêt', 'hypothèque', 'taux d intérêt', 'amortissement',
    '税務', '税金', '課税', '相続', '贈与', '年金', '投資', '資産運用', '積立', 'NISA', 'iDeCo', '買収', '合併', '評価額', 'キャッシュフロー', '会計', '減価償却', '譲渡', '金利', '利息', '返済', 'ローン',
    '税务', '税收', '纳税', '税后', '年薪', '理财', '定投', '基金', '投资', '遗产', '养老金', '买房', '租房', '收购', '并购', '估值', '现金流', '会计', '折旧', '资产交易', '股权交易', '贷款', '利率', '还款', '房贷',
    '세무', '세금', '과세', '상속', '증여', '연금', '투자', '전세', '월세', '적립식', '인수', '합병', '가치평가', '현금흐름', '회계', '감가상각', '양도', '대출', '이자', '금리', '상환',
  ],
  /** Weighing options: analyse, compare, evaluate, argue. */
  d_analysis: [
    'analy*', 'compare', 'comparison', 'evaluate', 'assess*', 'critique', 'pros and cons', 'implications', 'risks', 'recommendation*',
    'strongest arguments', 'arguments for', 'in depth', 'consequences', 'versus', 'vs', 'obligations', 'which is better',
    'analiza*', 'análisis', 'compara*', 'evalúa*', 'implicaciones', 'riesgos', 'ventajas y desventajas', 'consecuencias', 'obligaciones',
    'analysier*', 'analyse', 'vergleich*', 'bewerte*', 'vor und nachteile', 'risiken', 'auswirkungen', 'konsequenzen', 'pflichten',
    'analys*', 'compar*', 'évalue*', 'évaluer', 'implications', 'risques', 'avantages et inconvénients', 'conséquences', 'obligations',
    '分析', '比較', '評価', '検討', '考察', 'リスク', 'メリットとデメリット', '長所と短所', '影響', '義務', '論じ',
    '比较', '评估', '利弊', '风险', '影响', '论证', '优缺点', '后果', '义务',
    '분석', '비교', '평가', '검토', '장단점', '위험', '리스크', '영향', '의무', '논하',
  ],
  /** A long or structured output. */
  d_long: [
    'words', 'word essay', 'word report', 'word story', 'word article', 'word chapter', 'word blog', 'words long', 'chapter', 'report', 'detailed', 'comprehensive', 'thorough*', 'in detail', 'essay', 'proposal', 'whitepaper',
    'white paper', 'business plan', 'pages', 'long form', 'outline', 'sections', 'grant',
    'palabras', 'capítulo', 'informe', 'detallad*', 'exhaustiv*', 'ensayo', 'propuesta', 'páginas',
    'wörter', 'kapitel', 'bericht', 'ausführlich*', 'detailliert*', 'umfassend*', 'aufsatz', 'antrag', 'seiten',
    'mots', 'chapitre', 'rapport', 'détaillé*', 'approfondi*', 'exhaustif*', 'dissertation', 'proposition',
    '詳しく', '詳細', '包括的', '第1章', '第一章', 'レポート', '報告書', '論文', '字程度', '文字で', '文字程度', '字以上', '提案書', '企画書', '万字', '字くらい',
    '详细', '全面', '章节', '第一章', '报告', '论文', '字左右', '字以上', '提案', '计划书', '申请书', '万字', '千字',
    '자세히', '상세', '포괄적', '첫 장', '보고서', '논문', '단어', '글자', '제안서', '사업계획서', '만 자', '천 자', '자 정도', '자 이상', '자 내외',
  ],
  /** Creative writing (short or long; length and constraints decide). */
  d_creative: [
    'story', 'novel', 'poem', 'screenplay', 'in the style of', 'fiction', 'character*', 'narrative', 'timeline*', 'literary', 'lyrics', 'rhyme*', 'meter', 'metre', 'rhythm',
    'scene', 'prose',
    'cuento', 'novela', 'poema', 'relato', 'guion', 'al estilo de', 'personaje*', 'narrativ*', 'literari*', 'rima', 'métrica', 'ritmo',
    'geschichte', 'roman', 'gedicht', 'erzählung', 'drehbuch', 'im stil von', 'figur*', 'literarisch*', 'reim*', 'versmaß', 'rhythmus',
    'histoire', 'roman', 'poème', 'scénario', 'dans le style de', 'à la manière de', 'personnage*', 'littéraire', 'rime*', 'métrique', 'rythme',
    '物語', '小説', '詩', '脚本', 'の文体で', 'スタイルで', '登場人物', '文学', 'ストーリー', '韻', 'リズム', '七五調', '短編', '長編', '掌編', '伏線',
    '故事', '小说', '诗', '剧本', '风格', '人物', '文学', '情节', '押韵', '对仗', '节奏', '韵律', '平仄', '格律', '短篇', '长篇', '伏笔',
    '이야기', '소설', '각본', '스타일로', '문체', '등장인물', '문학', '줄거리', '운율', '리듬', '각운', '느낌으로', '작가처럼', '단편', '장편', '복선',
  ],
  /** Hard constraints the answer must satisfy together. */
  d_constraint: [
    'must', 'must not', 'exactly', 'at least', 'at most', 'no more than', 'without using', 'constraint*', 'requirement*', 'only if',
    'cannot', 'can t', 'unless', 'subject to', 'available', 'not available', 
    'debe', 'deben', 'exactamente', 'al menos', 'como máximo', 'restricci*', 'requisito*', 'sin usar', 'no puede', 'disponible*',
    'muss', 'müssen', 'genau', 'mindestens', 'höchstens', 'einschränkung*', 'bedingung*', 'anforderung*', 'darf nicht', 'verfügbar',
    'doit', 'doivent', 'exactement', 'au moins', 'au plus', 'contrainte*', 'exigence*', 'ne peut pas', 'disponible*',
    '必ず', '以内', '制約', '条件', 'してはいけない', '不可', '都合', 
    '必须', '至少', '最多', '不超过', '约束', '条件', '要求', '不能', '只能', 
    '반드시', '제약', '조건', '요구사항', '안 된다', '불가', '가능한', 
  ],
  /** Several actions to plan and carry out, adapting to what comes back. */
  d_agentic: [
    'booking', 'book me', 'book a', 'search for', 'find me', 'if nothing', 'if none', 'otherwise', 'fallback', 'retry', 'plan',
    'schedule', 'itinerary', 'workflow', 'until', 'cheapest', 'change plans',
    'reserva*', 'busca*', 'si no hay', 'de lo contrario', 'planifica*', 'horario', 'itinerario', 'más barato',
    'buche*', 'such*', 'falls nicht', 'ansonsten', 'plane', 'zeitplan', 'reiseplan', 'günstigste*',
    'réserve*', 'cherche*', 'si rien', 'sinon', 'planifie*', 'emploi du temps', 'itinéraire', 'moins cher',
    '予約', '検索', '見つからなければ', 'なければ', '手配', '計画', 'スケジュール', '日程', '最安',
    '预订', '搜索', '如果没有', '否则', '安排', '计划', '日程', '行程', '最便宜',
    '예약', '검색', '없으면', '그렇지 않으면', '계획', '일정', '가장 저렴',
  ],
  /** Research-level questions: open problems, the literature. */
  d_research: [
    'open problem', 'state of the art', 'literature', 'references', 'citations', 'research level', 'p np', 'conjecture', 'riemann',
    'novel approach', 'original insight', 'survey of',
    'estado del arte', 'literatura', 'referencias', 'conjetura', 'stand der forschung', 'literatur', 'quellen', 'vermutung',
    'état de l art', 'littérature', 'références', 'conjecture',
    '先行研究', '文献', '予想', '未解決', '最先端', '文献', '猜想', '未解决', '前沿', '선행 연구', '문헌', '추측', '미해결', '최신 연구',
  ],
  /** Greetings, thanks, small talk. */
  e_greet: [
    'hi', 'hello', 'hey', 'thanks', 'thank you', 'thx', 'how are you', 'good morning', 'good night', 'what s up', 'lol', 'haha', 'hahaha', 'hehe', 'nice to meet', 'bye', 'cheers',
    'makes sense', 'got it', 'perfect thanks', 'great thanks', 'that s all', 'that is all', 'it works', 'works now', 'that worked',
    'hola', 'gracias', 'buenos días', 'buenas', 'qué tal', 'cómo estás', 'entendido', 'vale gracias',
    'hallo', 'danke', 'guten morgen', 'guten tag', 'wie geht', 'tschüss', 'servus', 'alles klar', 'verstanden',
    'bonjour', 'salut', 'merci', 'ça va', 'comment vas', 'comment allez', 'bonsoir', 'compris', 'c est clair',
    'こんにちは', 'おはよう', 'ありがと', 'こんばんは', '元気', 'よろしく', 'お疲れ', '了解しました', '了解です', '分かった', 'わかった', '助か', '動きました', 'できました',
    '你好', '您好', '谢谢', '哈哈', '謝謝', '谢啦', '谢了', '多谢', '感谢', '早上好', '晚安', '怎么样', '嗨', '懂了', '明白了', '搞定了', '可以了', '跑通了',
    '안녕', '감사합니다', '감사해요', '고마워', '고맙', '반가워', '잘 지내', '알겠어', '알겠습니다', '이해했', '됐어요', '잘 돼요', '해결됐',
  ],
  /** A factual lookup with a short, known answer. */
  e_lookup: [
    'what is', 'what s', 'what are', 'who is', 'who was', 'who wrote', 'who invented', 'who proved', 'who discovered', 'when did', 'when was',
    'where is', 'capital of', 'stand for', 'what does', 'define', 'definition', 'meaning of', 'how do i', 'how to', 'how can i',
    'qué es', 'quién es', 'quién fue', 'quién escribió', 'quién demostró', 'cuándo', 'dónde', 'capital de', 'qué significa', 'cómo',
    'was ist', 'wer ist', 'wer war', 'wer hat', 'wann', 'wo ist', 'hauptstadt', 'was bedeutet', 'wie kann ich', 'wie mache ich',
    'qu est ce', 'qui est', 'qui a', 'quand', 'où est', 'capitale', 'que signifie', 'que veut dire', 'comment',
    'とは', '誰', 'いつですか', 'はいつ', 'っていつ', 'いつ頃', 'どこ', '首都', '意味', '何ですか', 'どうやって', '方法', 'って何', 'ってなに', 'だっけ', '誰が証明', '証明したの',
    '是什么', '什么是', '谁', '什么时候', '哪里', '首都', '什么意思', '怎么', '如何', '来着', '谁证明', '谁发现',
    '무엇', '뭐야', '뭔가요', '누구', '언제', '어디', '수도', '무슨 뜻', '뜻이', '어떻게', '누가 증명',
  ],
  /** Rewriting, paraphrasing, fixing grammar or tone. */
  e_rewrite: [
    'rewrite', 'rephrase', 'paraphrase', 'fix the grammar', 'fix grammar', 'grammar', 'proofread', 'more polite', 'more formal', 'more casual',
    'shorten', 'make it shorter', 'make this sound', 'polish', 'reword', 'spelling', 'simplify this', 'sound more', 'summarize this', 'summarise this',
    'reescrib*', 'reformula*', 'más formal', 'más educad*', 'más amable', 'acorta*', 'gramática', 'ortografía',
    'umformulier*', 'umschreiben', 'schreibe um', 'höflicher', 'formeller', 'kürze*', 'grammatik', 'rechtschreibung',
    'reformul*', 'réécri*', 'plus poli', 'plus formel', 'raccourci*', 'grammaire', 'orthographe',
    '書き直', '言い換え', '添削', '校正', '丁寧に', '敬語', '短くして', 'ていねい', 'まとめて', '要約して', '言い方', '言い回し', 'ビジネスメール', 'っぽく',
    '改写', '重写', '润色', '更礼貌', '礼貌', '缩短', '语法', '校对', '改成', '总结一下', '概括一下', '客气', '正式一点', '语气',
    '다시 써', '다듬어', '교정', '정중하게', '공손하게', '줄여', '맞춤법', '문법', '요약해', '말투', '격식',
    // tone, register and length of a pasted text
    'more professional', 'less annoyed', 'less angry', 'less aggressive', 'less formal', 'more friendly', 'friendlier', 'more concise',
    'tone down', 'make it sound', 'make this sound', 'make this email', 'less over the top', 'more natural', 'less stiff', 'punchier',
    'typos', 'fix the spelling', 'fix spelling', 'spelling mistakes', 'grammar mistakes', 'condense', 'cut it down', 'word limit',
    'cut this', 'trim this', 'trim it', 'shorter', 'funnier', 'more fun', 'sweeter', 'more upbeat', 'cheesier',
    'más gracioso', 'más divertido', 'lustiger', 'witziger', 'plus drôle', 'plus amusant', '面白く', 'おもしろく', 'ユーモア',
    '有趣一点', '幽默', '搞笑一点', '더 재미있게', '웃기게',
    'más profesional', 'menos formal', 'más natural', 'faltas de ortografía', 'más corto', 'más cercano',
    'professioneller', 'freundlicher', 'lockerer', 'tippfehler', 'kürzer', 'natürlicher',
    'plus professionnel', 'moins formel', 'plus naturel', 'fautes d orthographe', 'plus court', 'plus chaleureu*',
    'くだけた', 'カジュアルに', '柔らかく', 'やわらかく', '誤字', '脱字', '自然な日本語', 'フォーマルに', '堅苦し', '縮めて', '短めに', 'インスタ用', 'ツイート用', '読みやすく', '読みやすい文章', '丁寧な文章', '丁寧で読みやす',
    '更正式', '正式一些', '压缩到', '压缩一下', '太啰嗦', '删减', 'too long', 'tighten', '正式些', '有条理', '错别字', '病句', '语病', '通顺', '精简', '口语化', '书面语', '小红书风格', '朋友圈文案', '委婉',
    '자연스럽게', '오타', '부드럽게', '격식 있게', '더 짧게', '캐주얼하게',
  ],
  /** Translation (of a short text; length decides the rest). */
  e_translate: [
    'translate', 'translation', 'into english', 'in english', 'traduc*', 'traduce', 'traducir', 'al inglés', 'übersetz*', 'ins englische',
    'tradui*', 'traduction', 'en anglais', '翻訳', '訳して', '英訳', '和訳', '英語に', '翻译', '翻成', '译成', '英文', '번역', '영어로',
  ],
  /** Extracting fields, classifying, formatting. */
  e_extract: [
    'extract', 'pull out', 'classify', 'categorize', 'categorise', 'sentiment', 'positive or negative', 'label', 'tag', 'phone number',
    'as json', 'to json', 'into json', 'format as', 'convert to', 'bullet list', 'as a list',
    'remind me', 'add to my calendar', 'to my calendar', 'set a reminder', 'set an alarm',
    'bulleted list', 'bullet points', 'into a table', 'as a table', 'markdown table', 'positive negative', 'neutral', 'just the numbers', 'just give me the', 'spam', 'is this email',
    'extrae', 'clasifica', 'en una tabla', 'en viñetas', 'sentimiento', 'positiva o negativa', 'positivo o negativo', 'etiqueta', 'teléfono', 'en json',
    'extrahier*', 'klassifizier*', 'als tabelle', 'in eine tabelle', 'stichpunkte', 'positiv oder negativ', 'stimmung', 'kategorisier*', 'telefonnummer', 'als json',
    'extrai*', 'classifie*', 'en tableau', 'sous forme de liste', 'positif ou négatif', 'positive ou négative', 'catégoris*', 'numéro de téléphone', 'en json',
    '抽出', '分類', 'ポジティブ', 'ネガティブ', '取り出', '抜き出', '電話番号', '箇条書き', 'カレンダーに', 'リマインド', 'アラーム', 'スパム', '迷惑メール', '表にして', '表に', '予定入れ', '予定を入れ', 'だけ教えて', 'だけでOK', '番号だけ', 'だけ抜き出',
    '提取', '分类', '正面还是负面', '正面', '负面', '抽取', '归类', '电话', '列出', '提醒我', '日历', '闹钟', '找出来', '垃圾邮件', '诈骗短信', '表格', '整理成', '只要告诉我', '只需要',
    '추출', '분류', '긍정', '부정인지', '부정적인지', '뽑아', '전화번호', '목록으로', '알림', '캘린더', '알람', '스팸', '표로', '일정 추가', '만 알려', '번호만',
    // labelling and pulling fields out of given texts
    'label each', 'tag each', 'classify each', 'which category', 'which of these', 'scam', 'phishing', 'json with keys', 'give me json',
    'json object with', 'with keys', 'email addresses in', 'date time and place', 'ham or spam', 'spam or ham',
    'cuáles de estos', 'estafa', 'clasifica cada', 'arnaque*', 'lesquels de ces', 'classe ces', 'betrug', 'welche davon',
    'ポジ', 'ネガ', '詐欺', 'どれが', 'に分けて', '分けてください', 'キーにした', 'JSONで', '仕分け',
    '诈骗', '分到', '哪一类', '好评还是差评', '好评', '差评', '垃圾短信', '统一成', '归到', '属于哪', '分别是', '字段',
    '스미싱', '사기', '어떤 거야', '나눠줘', '분류해',
  ],
  /** Short creative pieces with no hard constraints. */
  e_short_creative: [
    'haiku', 'slogan', 'tagline', 'birthday', 'short poem', 'caption', 'thank you note', 'toast', 'limerick', 'joke', 'name for',
    'names for', 'greeting card', 'short message', '4 line', 'four line', 'two line', '2 line', 'couplet', 'short rhyme',
    'retirement card', 'farewell card', 'thank you card', 'card for', 'few lines for', 'emojis', 'hashtags',
    'tarjeta de', 'unas líneas', 'karte für', 'ein paar zeilen', 'carte de', 'quelques lignes', '絵文字', 'ハッシュタグ', 'メッセージカード', '寄せ書き',
    '贺卡', '几句话', '表情', '话题标签', '카드 문구', '해시태그', '이모지',
    'eslogan', 'cumpleaños', 'chiste', 'poema corto', 'glückwunsch*', 'geburtstag*', 'witz', 'kurzes gedicht',
    'anniversaire', 'blague', 'petit poème', 'court poème', '俳句', 'キャッチコピー', '誕生日', 'ジョーク', '冗談', '短い詩', '四行', '川柳', '短歌',
    '口号', '生日', '笑话', '短诗', '标语', '祝福', '小诗', '四句', '两句', '打油诗', '文案', '标题', '起个名', '取名', '슬로건', '생일', '농담', '짧은 시', '축하 메시지',
  ],
  /** The user asks for a short or basic answer. */
  e_brief: [
    'in one sentence', 'in two sentences', 'one sentence', 'briefly', 'short answer', 'quick question', 'one word', 'in a nutshell',
    'one liner', 'oneliner', 'in one line', 'one line', 'simplest way', 'shortest way', 'quickest way', 'regex for', 'a regex', 'regex to',
    'eli5', 'tl dr', 'keep it short', 'simple terms', 'for a beginner', 'for kids', 'quickly',
    'en una frase', 'en dos frases', 'brevemente', 'respuesta corta', 'en pocas palabras', 'en una línea',
    'in einem satz', 'in zwei sätzen', 'kurz', 'kurze antwort', 'einfach erklärt', 'in einer zeile',
    'en une phrase', 'en deux phrases', 'brièvement', 'en bref', 'réponse courte', 'simplement', 'en une ligne',
    '一言で', '簡単に', '一文で', '手短に', '二文で', '2文で', '短く', 'ワンライナー', '一行で', '1行で', '一番簡単な', '簡単な書き方', '正規表現って',
    '一句话', '简单地', '简短', '简单说', '两句话', '简单', '一行命令', '一行代码', '最简单的写法', '写个正则', '正则表达式怎么写',
    '한 문장', '간단히', '짧게', '두 문장', '간단하게', '한 줄로', '원라이너', '가장 간단한', '정규식 하나',
    // what a pasted snippet does: a snippet-sized ask
    'what does this do', 'what does this code', 'what does this function do', 'what does this line do', 'what is this code doing',
    'explain what this', 'explain this code', 'explain this snippet', 'qué hace este', 'was macht dieser', 'was macht diese',
    'que fait ce', 'ça fait quoi', '何してる', '何をしている', '何をする', '何してるか', '干啥', '干什么的', '做什么的', '是干嘛',
    '干嘛的', '뭐 하는', '무슨 코드', '뭐하는 코드',
  ],
} as const

export type ConceptFamily = keyof typeof CONCEPTS

/** Code keywords and symbols (whole words): a sign that code is pasted. */
export const CODE_WORDS = [
  'def', 'return', 'import', 'from', 'const', 'let', 'var', 'function', 'class', 'public', 'private', 'static',
  'void', 'int', 'self', 'elif', 'lambda', 'async', 'await', 'struct', 'impl', 'fn', 'println', 'printf', 'console',
  'print', 'select', 'null', 'none', 'true', 'false', 'typing', 'dict', 'str', 'bool', 'float', 'usize',
  'std', 'include', 'namespace', 'interface', 'export', 'throw', 'catch', 'try', 'except', 'raise', 'yield', 'where', 'join',
] as const

/** Markers of a stack trace or a compiler/runtime error message. */
export const TRACE_WORDS = [
  'traceback', 'most recent call last', 'errno', 'panicked at', 'segmentation fault', 'stacktrace', 'stack trace', 'typeerror', 'valueerror',
  'keyerror', 'indexerror', 'attributeerror', 'referenceerror', 'syntaxerror', 'runtimeerror', 'recursionerror', 'importerror',
  'modulenotfounderror', 'nullpointerexception', 'zerodivisionerror', 'assertionerror', 'unhandled*', 'uncaught*', 'core dumped',
  'exception in thread', 'cannot read properties', 'undefined is not', 'maximum recursion depth',
] as const

/**
 * Unambiguous markers of a change of topic ("unrelated, what time zone is Denver in?"). A last turn that has one
 * does not inherit the demands of the conversation before it: the new question stands alone (features.ts
 * `demandWeight`). Ambiguous ones ("btw", "also", "对了", "ちなみに", "그런데") are left out: they often add to the
 * task at hand ("btw it must also handle unicode").
 */
export const SWITCH_WORDS = [
  'unrelated', 'unrelated question', 'off topic', 'different question', 'different topic', 'new topic', 'changing the subject',
  'change of subject', 'on another note', 'on a different note', 'random question', 'switching gears', 'totally different',
  'cambiando de tema', 'otro tema', 'nada que ver', 'anderes thema', 'themawechsel', 'ganz andere frage', 'nichts damit zu tun',
  'autre sujet', 'rien à voir', 'changement de sujet', 'changeons de sujet',
  'ところで', '話は変わ', '話変わ', '関係ないけど', '関係ない話', '関係ない質問', '別件', 'それはそうと', '全然違う話',
  '换个话题', '题外话', '顺便问', '另外问', '无关的问题', '跟这个无关', '和这个无关', '与此无关', '說個題外話', '換個話題',
  '그나저나', '다른 얘기', '딴 얘기', '다른 질문', '상관없는 질문', '주제를 바꿔', '별개로',
] as const

/**
 * Questions about who or when someone proved or discovered something ("Who proved Fermat's Last Theorem?"): the
 * proof and the theorem are the topic, not the demand. Each match takes one count off the turn's `d_proof` and
 * `d_math` (features.ts).
 */
export const FACT_WORDS = [
  'who proved', 'who first proved', 'who discovered', 'who came up with', 'when was it proved', 'who solved',
  'quién demostró', 'quién probó', 'wer bewies', 'wer hat bewiesen', 'qui a démontré', 'qui a prouvé',
  '誰が証明', '証明したのは誰', '証明したの誰', '証明した人', '谁证明', '是谁证明', '谁解决', '누가 증명', '증명한 사람',
] as const

