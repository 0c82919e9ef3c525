// i18n.js — the console's words in Chinese (first) and English, the code labels the API
// publishes (x-labels in GET /api/v1/openapi.json), and formats as Chinese users write them:
// instants in Asia/Shanghai (2026年11月24日 12:30 / 2026-11-24 12:30), mobile numbers in
// 3-4-4 groups, landlines with their area code (0531-86160000).

const dict = {
  zh: {
    'app.name': '卫健服务平台',
    'app.org': '区域卫生健康服务平台',
    'app.skip': '跳到正文',
    'app.loading': '正在加载…',
    'app.lang.switch': 'English',
    'app.lang.switch.label': 'Switch to English',
    'app.logout': '退出登录',
    'app.menu': '主菜单',
    'app.account': '当前用户',
    'app.footer': '卫健服务平台 · 地图数据 © OpenStreetMap 贡献者 (ODbL)',
    'app.licences': '第三方组件许可',
    'demo.banner': '演示数据 / demo data',
    'demo.note': '此处展示的机构、区划和账户均为虚构的演示数据，不可用于实际业务。',
    'login.title': '登录',
    'login.subtitle': '请使用您的平台账户登录',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.busy': '正在登录…',
    'login.failed': '用户名或密码错误',
    'login.throttled': '失败次数过多，请 15 分钟后再试',
    'login.expired': '登录已过期，请重新登录',
    'login.demo': '演示账户：admin（卫健委管理员）、auditor（审计员）、hospital_admin（医院管理员）等，密码 weijian-demo',
    'nav.areas': '行政区划',
    'nav.facilities': '医疗机构',
    'nav.audit': '审计日志',
    'common.search': '查询',
    'common.reset': '重置',
    'common.save': '保存',
    'common.cancel': '取消',
    'common.edit': '编辑',
    'common.back': '返回',
    'common.close': '关闭',
    'common.add': '添加',
    'common.remove': '删除',
    'common.all': '全部',
    'common.none': '—',
    'common.yes': '是',
    'common.no': '否',
    'common.prev': '上一页',
    'common.next': '下一页',
    'common.page': '第 {n} 页',
    'common.empty': '暂无数据',
    'common.error': '出错了',
    'common.retry': '重试',
    'common.saved': '已保存',
    'common.required': '必填',
    'common.list': '列表',
    'common.map': '地图',
    'common.details': '详情',
    'common.forbidden': '您的账户无权访问此页面。',
    'common.notfound': '页面不存在',
    'common.notfound.text': '您访问的页面不存在，或已被移除。',
    'common.home': '返回首页',
    'common.soon': '此模块的控制台页面尚未提供。',
    'common.count': '共 {n} 条',
    'common.loaded': '已加载 {n} 条',
    'unit.beds': '{n} 张',
    'unit.km': '{n} 公里',
    'areas.title': '行政区划',
    'areas.tree': '区划树',
    'areas.search': '按名称查找区划',
    'areas.search.placeholder': '如：解放路',
    'areas.results': '查找结果',
    'areas.pick': '请在左侧选择一个区划查看详情。',
    'areas.code': '区划代码',
    'areas.name': '名称',
    'areas.level': '级别',
    'areas.parent': '上级区划',
    'areas.children': '下级区划数',
    'areas.path': '所属',
    'areas.updated': '更新时间',
    'areas.history': '代码沿革',
    'areas.history.from': '起始',
    'areas.history.to': '终止',
    'areas.history.reason': '变更原因',
    'areas.history.current': '至今',
    'areas.facilities': '查看辖区内医疗机构',
    'areas.formerly': '曾用代码 {code} 已解析为现行区划',
    'fac.title': '医疗机构',
    'fac.new': '新增机构',
    'fac.import': '导入 CSV',
    'fac.export.csv': '导出 CSV',
    'fac.export.xlsx': '导出 Excel',
    'fac.import.done': '导入完成：写入 {n} 家机构',
    'fac.import.none': '导入未执行：文件中有不合格的行',
    'fac.import.summary': '文件共 {rows} 行数据，其中 {bad} 行未通过校验：',
    'fac.import.line': '行号',
    'fac.import.column': '列',
    'fac.import.reason': '原因',
    'fac.import.skip': '跳过这些行，导入其余 {n} 行',
    'fac.filters': '筛选条件',
    'fac.area': '所属区划',
    'fac.area.any': '全部区划',
    'fac.level': '级别',
    'fac.grade': '等次',
    'fac.type': '机构类别',
    'fac.capability': '能力',
    'fac.capabilities': '能力（中心建设）',
    'fac.name': '机构名称',
    'fac.name.placeholder': '名称包含…',
    'fac.status': '状态',
    'fac.active': '在用',
    'fac.inactive': '已停用',
    'fac.address': '地址',
    'fac.location': '位置（WGS-84）',
    'fac.lat': '纬度',
    'fac.lon': '经度',
    'fac.beds': '编制床位',
    'fac.phone': '联系电话',
    'fac.phone.hint': '如 13812345678 或 0531-86160000',
    'fac.areacode.hint': '12 位统计用区划代码',
    'fac.campuses': '院区与科室',
    'fac.campus': '院区 {n}',
    'fac.campus.name': '院区名称',
    'fac.campus.add': '添加院区',
    'fac.campus.remove': '删除院区 {n}',
    'fac.departments': '科室',
    'fac.dept.name': '科室名称',
    'fac.dept.code': '诊疗科目代码',
    'fac.dept.add': '添加科室',
    'fac.dept.remove': '删除科室',
    'fac.nocampus': '未登记院区',
    'fac.version': '版本',
    'fac.created': '创建时间',
    'fac.updated': '最近更新',
    'fac.history': '变更记录',
    'fac.history.by': '操作人',
    'fac.history.system': '系统（命令行 / 演示数据）',
    'fac.history.changes': '变更内容',
    'fac.history.created': '创建',
    'fac.deactivate': '停用',
    'fac.deactivate.confirm': '确定停用“{name}”吗？停用后机构不再出现在默认列表中，记录与历史保留。',
    'fac.deactivated': '已停用“{name}”',
    'fac.onmap': '在地图上查看',
    'fac.edit.title': '编辑：{name}',
    'fac.create.title': '新增医疗机构',
    'fac.basic': '基本信息',
    'fac.accredit.hint': '级别、等次、类别和能力由卫健委认定，您的账户不能修改。',
    'fac.contact': '地址与联系方式',
    'fac.saved': '已保存“{name}”（版本 {v}）',
    'fac.created.ok': '已新增“{name}”',
    'fac.form.invalid': '提交未通过校验，请根据提示修改标红的项目。',
    'fac.stale': '该机构已被他人修改，请刷新后重试。',
    'fac.reload': '重新加载',
    'fac.chart.title': '机构构成（按类别与级别）',
    'fac.chart.desc': '当前筛选条件下的医疗机构数量，按机构类别分组、按级别堆叠。',
    'fac.chart.total': '合计 {n} 家',
    'fac.chart.truncated': '仅统计前 {n} 家',
    'fac.results': '查询结果',
    'fac.none': '没有符合条件的机构',
    'map.title': '机构分布图',
    'map.legend': '图例（机构类别）',
    'map.roads': '道路',
    'map.shape': '方形标记为二级及以上医院，圆形为其他机构；标记越大级别越高。',
    'map.roads.none': '未配置路网，地图仅显示机构位置',
    'map.near': '查找附近机构',
    'map.near.hint': '点击地图任意位置，查找该点附近的机构；或使用下方按钮以地图中心为准。',
    'map.near.center': '以地图中心查找',
    'map.near.radius': '搜索半径',
    'map.near.results': '距离 {lat}, {lon} 最近的机构',
    'map.near.none': '半径 {r} 公里内没有机构',
    'map.here': '查询点',
    'map.distance': '距离',
    'map.nolocation': '{n} 家机构未登记位置，未在图上显示',
    'map.label': '医疗机构分布地图。可用方向键平移，加减键缩放。',
    'audit.title': '审计日志',
    'audit.username': '用户名',
    'audit.user_id': '用户 ID',
    'audit.resource_type': '对象类型',
    'audit.resource_id': '对象 ID',
    'audit.from': '起始时间（北京时间）',
    'audit.to': '截止时间（北京时间）',
    'audit.at': '时间',
    'audit.user': '用户',
    'audit.action': '操作',
    'audit.resource': '对象',
    'audit.ip': '客户端地址',
    'audit.status': '结果',
    'audit.tz': '时间按北京时间（UTC+8）',
    'rt.facility': '医疗机构',
    'rt.area': '行政区划',
    'rt.user': '用户',
    'rt.demo': '演示数据',
    'rt.audit': '审计日志',
    'role.resident': '居民',
    'role.clinician': '医生',
    'role.facility_staff': '机构工作人员',
    'role.facility_admin': '机构管理员',
    'role.hotline_operator': '热线坐席',
    'role.grid_worker': '网格员',
    'role.dispatcher': '调度员',
    'role.commission_staff': '卫健委工作人员',
    'role.commission_admin': '卫健委管理员',
    'role.auditor': '审计员',
    'err.unauthenticated': '请先登录',
    'err.forbidden': '您无权执行此操作',
    'err.not_found': '未找到该记录',
    'err.conflict': '与现有记录冲突',
    'err.conflict.name': '本区划内已有同名的在用机构',
    'err.stale_version': '记录已被他人修改，请刷新后重试',
    'err.missing_field': '此项为必填项',
    'err.invalid_type': '类型不正确',
    'err.invalid_value': '取值不符合要求',
    'err.invalid_parameter': '查询条件不正确',
    'err.unknown_reference': '所引用的记录不存在',
    'err.unknown_reference.area_code': '没有这个区划代码',
    'err.rate_limited': '操作过于频繁，请稍后再试',
    'err.payload_too_large': '提交的内容过大',
    'err.internal': '服务器内部错误，请稍后再试',
    'err.unavailable': '服务暂不可用',
    'err.network': '无法连接服务器，请检查网络',
    'err.range': '应在 {min} 至 {max} 之间',
    'err.integer': '应为整数',
    'err.length': '长度应为 {min} 至 {max} 个字',
    'err.phone': '电话格式如 13812345678 或 0531-86160000',
    'err.areacode': '应为 12 位数字的区划代码',
    'err.latlon': '纬度与经度须同时填写',
    'err.duplicate': '与前面的项目重复',
    'err.grade': '未定级机构不设等次',
    'err.number': '请输入数字',
  },
  en: {
    'app.name': 'Weijian',
    'app.org': 'Regional health-service platform',
    'app.skip': 'Skip to content',
    'app.loading': 'Loading…',
    'app.lang.switch': '中文',
    'app.lang.switch.label': '切换到中文',
    'app.logout': 'Log out',
    'app.menu': 'Main menu',
    'app.account': 'Signed in as',
    'app.footer': 'Weijian · map data © OpenStreetMap contributors (ODbL)',
    'app.licences': 'Third-party licences',
    'demo.banner': '演示数据 / demo data',
    'demo.note': 'The facilities, areas and accounts shown here are invented demo data, not for real use.',
    'login.title': 'Log in',
    'login.subtitle': 'Log in with your platform account',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.busy': 'Logging in…',
    'login.failed': 'Wrong username or password',
    'login.throttled': 'Too many failed attempts; try again in 15 minutes',
    'login.expired': 'Your session has ended; please log in again',
    'login.demo': 'Demo accounts: admin (commission administrator), auditor, hospital_admin, …; password weijian-demo',
    'nav.areas': 'Areas',
    'nav.facilities': 'Facilities',
    'nav.audit': 'Audit log',
    'common.search': 'Search',
    'common.reset': 'Reset',
    'common.save': 'Save',
    'common.cancel': 'Cancel',
    'common.edit': 'Edit',
    'common.back': 'Back',
    'common.close': 'Close',
    'common.add': 'Add',
    'common.remove': 'Remove',
    'common.all': 'All',
    'common.none': '—',
    'common.yes': 'Yes',
    'common.no': 'No',
    'common.prev': 'Previous',
    'common.next': 'Next',
    'common.page': 'Page {n}',
    'common.empty': 'Nothing here yet',
    'common.error': 'Something went wrong',
    'common.retry': 'Retry',
    'common.saved': 'Saved',
    'common.required': 'required',
    'common.list': 'List',
    'common.map': 'Map',
    'common.details': 'Details',
    'common.forbidden': 'Your account may not open this page.',
    'common.notfound': 'Page not found',
    'common.notfound.text': 'This page does not exist or has been removed.',
    'common.home': 'Home',
    'common.soon': 'This module has no console page yet.',
    'common.count': '{n} in total',
    'common.loaded': '{n} loaded',
    'unit.beds': '{n} beds',
    'unit.km': '{n} km',
    'areas.title': 'Areas',
    'areas.tree': 'Area tree',
    'areas.search': 'Find an area by name',
    'areas.search.placeholder': 'e.g. 解放路',
    'areas.results': 'Search results',
    'areas.pick': 'Choose an area on the left to see its details.',
    'areas.code': 'Division code',
    'areas.name': 'Name',
    'areas.level': 'Level',
    'areas.parent': 'Parent',
    'areas.children': 'Sub-areas',
    'areas.path': 'Within',
    'areas.updated': 'Updated',
    'areas.history': 'Code history',
    'areas.history.from': 'From',
    'areas.history.to': 'To',
    'areas.history.reason': 'Reason',
    'areas.history.current': 'current',
    'areas.facilities': 'Facilities in this area',
    'areas.formerly': 'Former code {code} resolved to the current area',
    'fac.title': 'Facilities',
    'fac.new': 'New facility',
    'fac.import': 'Import CSV',
    'fac.export.csv': 'Export CSV',
    'fac.export.xlsx': 'Export Excel',
    'fac.import.done': 'Imported: {n} facilities written',
    'fac.import.none': 'Nothing imported: some rows were rejected',
    'fac.import.summary': '{bad} of the {rows} rows in the file were rejected:',
    'fac.import.line': 'Line',
    'fac.import.column': 'Column',
    'fac.import.reason': 'Why',
    'fac.import.skip': 'Skip them and import the other {n}',
    'fac.filters': 'Filters',
    'fac.area': 'Area',
    'fac.area.any': 'All areas',
    'fac.level': 'Level',
    'fac.grade': 'Grade',
    'fac.type': 'Type',
    'fac.capability': 'Capability',
    'fac.capabilities': 'Capabilities (designated centres)',
    'fac.name': 'Name',
    'fac.name.placeholder': 'Name contains…',
    'fac.status': 'Status',
    'fac.active': 'In use',
    'fac.inactive': 'Deactivated',
    'fac.address': 'Address',
    'fac.location': 'Location (WGS-84)',
    'fac.lat': 'Latitude',
    'fac.lon': 'Longitude',
    'fac.beds': 'Approved beds',
    'fac.phone': 'Phone',
    'fac.phone.hint': 'e.g. 13812345678 or 0531-86160000',
    'fac.areacode.hint': '12-digit division code',
    'fac.campuses': 'Campuses and departments',
    'fac.campus': 'Campus {n}',
    'fac.campus.name': 'Campus name',
    'fac.campus.add': 'Add a campus',
    'fac.campus.remove': 'Remove campus {n}',
    'fac.departments': 'Departments',
    'fac.dept.name': 'Department',
    'fac.dept.code': 'Specialty code',
    'fac.dept.add': 'Add a department',
    'fac.dept.remove': 'Remove department',
    'fac.nocampus': 'No campuses recorded',
    'fac.version': 'Version',
    'fac.created': 'Created',
    'fac.updated': 'Last updated',
    'fac.history': 'Change history',
    'fac.history.by': 'By',
    'fac.history.system': 'System (command line / demo data)',
    'fac.history.changes': 'Changes',
    'fac.history.created': 'Created',
    'fac.deactivate': 'Deactivate',
    'fac.deactivate.confirm': 'Deactivate “{name}”? It leaves the default list; its record and history are kept.',
    'fac.deactivated': '“{name}” deactivated',
    'fac.onmap': 'Show on the map',
    'fac.edit.title': 'Edit: {name}',
    'fac.create.title': 'New facility',
    'fac.basic': 'Basic information',
    'fac.accredit.hint': 'Level, grade, type and capabilities are set by the commission; your account cannot change them.',
    'fac.contact': 'Address and contact',
    'fac.saved': '“{name}” saved (version {v})',
    'fac.created.ok': '“{name}” added',
    'fac.form.invalid': 'The form was not accepted; correct the field marked in red.',
    'fac.stale': 'Someone else changed this facility; reload and try again.',
    'fac.reload': 'Reload',
    'fac.chart.title': 'Facilities by type and level',
    'fac.chart.desc': 'Number of facilities matching the current filters, grouped by type and stacked by level.',
    'fac.chart.total': '{n} in total',
    'fac.chart.truncated': 'first {n} counted',
    'fac.results': 'Results',
    'fac.none': 'No facility matches',
    'map.title': 'Facility map',
    'map.legend': 'Legend (facility type)',
    'map.roads': 'Roads',
    'map.shape': 'Squares are level 2 and 3 hospitals, circles other facilities; larger marks are higher levels.',
    'map.roads.none': 'No road network configured; the map shows facilities only',
    'map.near': 'Nearest facilities',
    'map.near.hint': 'Click anywhere on the map to find the facilities nearest to that point, or use the button below for the map centre.',
    'map.near.center': 'Search around the map centre',
    'map.near.radius': 'Radius',
    'map.near.results': 'Nearest to {lat}, {lon}',
    'map.near.none': 'No facility within {r} km',
    'map.here': 'Search point',
    'map.distance': 'Distance',
    'map.nolocation': '{n} facilities have no location and are not drawn',
    'map.label': 'Map of facilities. Arrow keys pan, plus and minus zoom.',
    'audit.title': 'Audit log',
    'audit.username': 'Username',
    'audit.user_id': 'User id',
    'audit.resource_type': 'Record type',
    'audit.resource_id': 'Record id',
    'audit.from': 'From (Beijing time)',
    'audit.to': 'To (Beijing time)',
    'audit.at': 'Time',
    'audit.user': 'User',
    'audit.action': 'Action',
    'audit.resource': 'Record',
    'audit.ip': 'Client address',
    'audit.status': 'Result',
    'audit.tz': 'Times in Beijing time (UTC+8)',
    'rt.facility': 'Facility',
    'rt.area': 'Area',
    'rt.user': 'User',
    'rt.demo': 'Demo data',
    'rt.audit': 'Audit log',
    'role.resident': 'Resident',
    'role.clinician': 'Clinician',
    'role.facility_staff': 'Facility staff',
    'role.facility_admin': 'Facility administrator',
    'role.hotline_operator': 'Hotline operator',
    'role.grid_worker': 'Grid worker',
    'role.dispatcher': 'Dispatcher',
    'role.commission_staff': 'Commission staff',
    'role.commission_admin': 'Commission administrator',
    'role.auditor': 'Auditor',
    'err.unauthenticated': 'Please log in',
    'err.forbidden': 'You may not do this',
    'err.not_found': 'Not found',
    'err.conflict': 'Conflicts with an existing record',
    'err.conflict.name': 'An active facility of this name is already in this area',
    'err.stale_version': 'Someone else changed this record; reload and try again',
    'err.missing_field': 'Required',
    'err.invalid_type': 'Wrong type',
    'err.invalid_value': 'Not an accepted value',
    'err.invalid_parameter': 'Invalid search condition',
    'err.unknown_reference': 'Refers to a record that does not exist',
    'err.unknown_reference.area_code': 'No area has this code',
    'err.rate_limited': 'Too many attempts; try again later',
    'err.payload_too_large': 'Too large',
    'err.internal': 'Server error; please try again later',
    'err.unavailable': 'Service unavailable',
    'err.network': 'Cannot reach the server; check the network',
    'err.range': 'Must be between {min} and {max}',
    'err.integer': 'Must be a whole number',
    'err.length': 'Must be {min} to {max} characters',
    'err.phone': 'Write it as 13812345678 or 0531-86160000',
    'err.areacode': 'Must be a 12-digit division code',
    'err.latlon': 'Give latitude and longitude together',
    'err.duplicate': 'Repeats an earlier entry',
    'err.grade': 'Unrated facilities have no grade',
    'err.number': 'Enter a number',
  },
};

const LANG_KEY = 'wj.lang';
let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';

export function getLang() {
  return lang;
}

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** The word for `key` in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const s = dict[lang][key] ?? dict.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

export function has(key) {
  return key in dict[lang];
}

// ---- labels of codes, from the OpenAPI document ----

/* kind ("facility.level", "facility.type", "facility.grade", "facility.capabilities",
 * "area.level") → code → {zh, en}, in the order the API lists them. */
const labels = new Map();
let schemas = {};

/** Reads x-labels of every enum field of the request schemas (FacilityCreate.level →
 * "facility.level"). Call once at startup, before rendering. */
export async function loadLabels(openapi) {
  schemas = openapi?.components?.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    const kind = name.replace(/(Create|Update)$/, '').toLowerCase();
    for (const [prop, s] of Object.entries(schema.properties ?? {})) {
      const x = s['x-labels'] ?? s.items?.['x-labels'];
      if (x && !labels.has(`${kind}.${prop}`)) labels.set(`${kind}.${prop}`, x);
    }
  }
}

/** The codes of a kind, in API order. */
export function codes(kind) {
  return Object.keys(labels.get(kind) ?? {});
}

/** The label of a code in the current language (the code itself when unknown). */
export function label(kind, code) {
  if (code === null || code === undefined || code === '') return '';
  const x = labels.get(kind)?.[code];
  return x ? x[lang] : String(code);
}

/** The schema of a request field by JSON path ("campuses[1].departments[0].name") in a
 * component schema ("FacilityCreate"), or null. Used to explain a rejected value. */
export function fieldSchema(schemaName, path) {
  let s = schemas[schemaName];
  for (const part of path.replace(/\[\d+\]/g, '[]').split('.')) {
    const name = part.replace('[]', '');
    s = s?.properties?.[name];
    if (part.endsWith('[]')) s = s?.items;
  }
  return s ?? null;
}

// ---- formats ----

const shanghai = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function shanghaiParts(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return Object.fromEntries(shanghai.formatToParts(d).map((p) => [p.type, p.value]));
}

/** An instant in Beijing time: 2026年11月24日 12:30 (zh) or 2026-11-24 12:30 (en). */
export function fmtDateTime(iso, { seconds = false } = {}) {
  const p = iso && shanghaiParts(iso);
  if (!p) return '—';
  const time = `${p.hour}:${p.minute}${seconds ? ':' + p.second : ''}`;
  return lang === 'zh' ? `${p.year}年${+p.month}月${+p.day}日 ${time}` : `${p.year}-${p.month}-${p.day} ${time}`;
}

/** The calendar day of an instant in Beijing: 2018年10月10日 / 2018-10-10. */
export function fmtDate(iso) {
  const p = iso && shanghaiParts(iso);
  if (!p) return '—';
  return lang === 'zh' ? `${p.year}年${+p.month}月${+p.day}日` : `${p.year}-${p.month}-${p.day}`;
}

/** A datetime-local value ("2026-11-24T12:30"), read as Beijing time, as RFC 3339 UTC. */
export function shanghaiLocalToUtc(v) {
  if (!v) return '';
  const d = new Date(`${v.length === 16 ? v + ':00' : v}+08:00`);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** Phone numbers as written in China: 138 1234 5678; landlines unchanged (0531-86160000). */
export function fmtPhone(p) {
  if (!p) return '—';
  const m = /^(1\d{2})(\d{4})(\d{4})$/.exec(p);
  return m ? `${m[1]} ${m[2]} ${m[3]}` : p;
}

export function fmtNumber(n, digits) {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', {
    maximumFractionDigits: digits ?? 3,
    minimumFractionDigits: digits ?? 0,
  }).format(n);
}

/** Level and grade together as written: 三级甲等 / tertiary, grade A. */
export function levelGrade(level, grade) {
  const l = label('facility.level', level);
  if (!grade) return l;
  const g = label('facility.grade', grade);
  return lang === 'zh' ? `${l}${g}` : `${l}, ${g}`;
}

export function roleName(role) {
  return has(`role.${role}`) ? t(`role.${role}`) : role;
}
